import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { createLiveClient, type LiveClient } from './api/live';
import { ApiError, createApiClient, type ApiClient } from './api/rest';
import type { Me } from './api/types';

/** The key lives in sessionStorage: this tab only, gone when it closes. */
const KEY_STORAGE = 'cft.apiKey';

export type SessionState =
  | { status: 'checking' }
  /** A valid key: `me` says its name and role. */
  | { status: 'signed-in'; me: Me }
  /** No key, and the API lets anyone read market data (PUBLIC_READ=true). */
  | { status: 'public' }
  /** No usable key and no public reads: the sign-in form, with why. */
  | { status: 'signed-out'; error: ApiError | null };

export interface Session {
  state: SessionState;
  api: ApiClient;
  live: LiveClient;
  isAdmin: boolean;
  signIn(key: string): Promise<ApiError | null>;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) {
    throw new Error('useSession outside <SessionProvider>');
  }
  return session;
}

/** index.html tells whether the API allows reads without a key (PUBLIC_READ); null: unknown. */
function publicReadFlag(): boolean | null {
  const content = document.querySelector<HTMLMetaElement>('meta[name=cft-public-read]')?.content;
  return content === 'true' ? true : content === 'false' ? false : null;
}

function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

/**
 * Who the dashboard acts as. With a key: `GET /me` (401 drops the key and shows why). Without:
 * index.html's meta tag (or, served elsewhere, `GET /markets`) tells whether reads are public.
 */
export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [key, setKey] = useState<string | null>(storedKey);
  const [state, setState] = useState<SessionState>({ status: 'checking' });
  const api = useMemo(() => createApiClient(key), [key]);
  const live = useMemo(() => createLiveClient(key), [key]);
  useEffect(() => () => live.close(), [live]);

  useEffect(() => {
    let cancelled = false;
    const settle = (next: SessionState) => {
      if (!cancelled) {
        setState(next);
      }
    };
    setState({ status: 'checking' });
    if (key) {
      api.get<Me>('/me').then(
        (me) => settle({ status: 'signed-in', me }),
        (error: unknown) => {
          if (error instanceof ApiError && error.status === 401) {
            sessionStorage.removeItem(KEY_STORAGE);
            setKey(null);
          }
          settle({ status: 'signed-out', error: error instanceof ApiError ? error : null });
        },
      );
    } else if (publicReadFlag() !== null) {
      settle(publicReadFlag() ? { status: 'public' } : { status: 'signed-out', error: null });
    } else {
      api.get('/markets').then(
        () => settle({ status: 'public' }),
        (error: unknown) =>
          settle({
            status: 'signed-out',
            error: error instanceof ApiError && error.status !== 401 ? error : null,
          }),
      );
    }
    return () => {
      cancelled = true;
    };
  }, [api, key]);

  const signIn = useCallback(async (candidate: string) => {
    const trimmed = candidate.trim();
    try {
      await createApiClient(trimmed).get<Me>('/me');
    } catch (error) {
      return error instanceof ApiError
        ? error
        : new ApiError(0, 'UNKNOWN', (error as Error).message, null);
    }
    sessionStorage.setItem(KEY_STORAGE, trimmed);
    setKey(trimmed);
    return null;
  }, []);

  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY_STORAGE);
    setKey(null);
  }, []);

  const session = useMemo<Session>(
    () => ({
      state,
      api,
      live,
      isAdmin: state.status === 'signed-in' && state.me.role === 'admin',
      signIn,
      signOut,
    }),
    [state, api, live, signIn, signOut],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
