import { useState } from 'preact/hooks';
import type { ApiError } from '../api/rest';
import { useSession } from '../session';
import { ErrorBox } from './error-box';

/** The API key form: the key is checked with GET /me and kept for this tab only. */
export function SignInForm({ initialError }: { initialError?: ApiError | null }) {
  const { signIn } = useSession();
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(initialError ?? null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const failure = await signIn(key);
    setBusy(false);
    setError(failure);
  };
  return (
    <form class="sign-in" onSubmit={(event) => void submit(event)} aria-label="Sign in">
      <label for="api-key">API key</label>
      <input
        id="api-key"
        name="api-key"
        type="password"
        autocomplete="off"
        placeholder="paste an API key"
        value={key}
        onInput={(event) => setKey(event.currentTarget.value)}
        required
      />
      <button type="submit" disabled={busy || key.trim() === ''}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
      <ErrorBox error={error} compact />
    </form>
  );
}
