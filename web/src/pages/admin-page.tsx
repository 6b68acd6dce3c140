import { Fragment } from 'preact';
import { useCallback, useState } from 'preact/hooks';
import type { ApiKey, Role } from '../api/types';
import { ActionButton } from '../components/actions';
import { ErrorBox, FormError } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { injectPageStyles } from '../components/page-styles';
import { SecretDialog } from '../components/secret-dialog';
import { formatTime } from '../format';
import type { PageProps } from '../routes';
import { useSession } from '../session';

injectPageStyles();

interface Readiness {
  status: string;
  checks: Record<string, { status: string } & Record<string, unknown>>;
}

/** `queue_jobs{queue="models",state="waiting"} 3` lines of GET /metrics, by queue and state. */
function queueDepths(metrics: string): Map<string, Record<string, number>> {
  const depths = new Map<string, Record<string, number>>();
  for (const line of metrics.split('\n')) {
    const match = /^queue_jobs\{([^}]*)\}\s+([0-9.eE+-]+)/.exec(line);
    if (!match) {
      continue;
    }
    const labels = Object.fromEntries(
      [...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1], label[2]]),
    );
    const queue = labels.queue;
    const state = labels.state;
    if (queue && state) {
      const row = depths.get(queue) ?? {};
      row[state] = Number(match[2]);
      depths.set(queue, row);
    }
  }
  return depths;
}

function ApiKeys() {
  const { api } = useSession();
  const keys = useAsync<ApiKey[]>((signal) => api.get('/admin/api-keys', {}, signal), [api]);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('client');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ key: string; apiKey: ApiKey } | null>(null);
  const closeSecret = useCallback(() => setCreated(null), []);
  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      setCreated(
        await api.post<{ key: string; apiKey: ApiKey }>('/admin/api-keys', {
          name: name.trim(),
          role,
        }),
      );
      setName('');
      keys.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section class="panel" data-admin>
      <h2>API keys</h2>
      <form class="form" onSubmit={(event) => void create(event)}>
        <label>
          name
          <input
            name="name"
            required
            maxLength={100}
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
        </label>
        <label>
          role
          <select value={role} onChange={(event) => setRole(event.currentTarget.value as Role)}>
            <option value="client">client</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <div>
          <button type="submit" class="primary">
            Create key
          </button>
        </div>
        <FormError error={error} />
      </form>
      <ErrorBox error={keys.error} />
      <div class="scroll-x">
        <table class="compact responsive" data-testid="api-keys">
          <thead>
            <tr>
              <th>name</th>
              <th>role</th>
              <th>prefix</th>
              <th>created</th>
              <th>last used</th>
              <th>state</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(keys.data ?? []).map((key) => (
              <tr key={key.id}>
                <td data-label="name">{key.name}</td>
                <td data-label="role">
                  <span class={`badge role-${key.role}`}>{key.role}</span>
                </td>
                <td data-label="prefix">
                  <code>{key.prefix}…</code>
                </td>
                <td data-label="created">{formatTime(key.createdAt)}</td>
                <td data-label="last used">{formatTime(key.lastUsedAt)}</td>
                <td data-label="state">
                  {key.revokedAt ? (
                    <span class="status-bad">revoked {formatTime(key.revokedAt)}</span>
                  ) : (
                    <span class="status-ok">active</span>
                  )}
                </td>
                <td data-label="">
                  {key.revokedAt ? null : (
                    <ActionButton
                      admin
                      label="Revoke"
                      class="small danger"
                      confirm={`Revoke ${key.name}? It stops working within a second.`}
                      run={() => api.delete(`/admin/api-keys/${encodeURIComponent(key.id)}`)}
                      onDone={keys.reload}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {created ? (
        <SecretDialog title="API key created" secret={created.key} onClose={closeSecret}>
          The key of <strong>{created.apiKey.name}</strong> ({created.apiKey.role}). It is shown
          this once; only its SHA-256 is stored.
        </SecretDialog>
      ) : null}
    </section>
  );
}

function Health() {
  const { api } = useSession();
  const ready = useAsync<Readiness>((signal) => api.get('/health/ready', {}, signal), [api]);
  return (
    <section class="panel" data-testid="health">
      <div class="row-actions">
        <h2>Health</h2>
        <button type="button" class="small" onClick={ready.reload}>
          Check again
        </button>
      </div>
      <ErrorBox error={ready.error} />
      {ready.data ? (
        <dl class="kv">
          <dt>ready</dt>
          <dd class={ready.data.status === 'ok' ? 'status-ok' : 'status-bad'}>
            {ready.data.status}
          </dd>
          {Object.entries(ready.data.checks).map(([name, check]) => (
            <Fragment key={name}>
              <dt>{name}</dt>
              <dd class={check.status === 'up' ? 'status-ok' : 'status-bad'}>
                {check.status}
                {Object.entries(check)
                  .filter(([field]) => field !== 'status')
                  .map(([field, value]) => (
                    <span key={field} class="muted small">
                      {' '}
                      · {field} {typeof value === 'object' ? JSON.stringify(value) : String(value)}
                    </span>
                  ))}
              </dd>
            </Fragment>
          ))}
        </dl>
      ) : null}
    </section>
  );
}

const STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'];

function Queues() {
  const { api } = useSession();
  const metrics = useAsync<string>((signal) => api.get('/metrics', {}, signal), [api]);
  const depths = typeof metrics.data === 'string' ? queueDepths(metrics.data) : new Map();
  return (
    <section class="panel" data-testid="queues">
      <div class="row-actions">
        <h2>Queues</h2>
        <a href="/admin/queues" target="_blank" rel="noreferrer">
          Bull Board ↗
        </a>
        <span class="muted small">(any user name, the admin key as the password)</span>
        <button type="button" class="small" onClick={metrics.reload}>
          Refresh
        </button>
      </div>
      <ErrorBox error={metrics.error} />
      {depths.size > 0 ? (
        <div class="scroll-x">
          <table class="compact">
            <thead>
              <tr>
                <th>queue</th>
                {STATES.map((state) => (
                  <th key={state} class="num">
                    {state}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {[...depths.entries()].map(([queue, counts]: [string, Record<string, number>]) => (
                <tr key={queue}>
                  <td>{queue}</td>
                  {STATES.map((state) => (
                    <td key={state} class="num">
                      {counts[state] ?? '–'}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : metrics.loading ? (
        <p class="muted">Loading…</p>
      ) : (
        <p class="muted">GET /metrics reports no queue depths.</p>
      )}
    </section>
  );
}

/** Admin: API keys, readiness, queue depths. Other keys get the API's 403 and nothing else. */
export default function AdminPage(_props: PageProps) {
  const { isAdmin } = useSession();
  if (!isAdmin) {
    return (
      <section class="panel">
        <h1>Admin</h1>
        <p class="muted">This page needs an admin key.</p>
      </section>
    );
  }
  return (
    <div class="stack">
      <div class="page-head">
        <h1>Admin</h1>
      </div>
      <div class="grid-2">
        <Health />
        <Queues />
      </div>
      <ApiKeys />
    </div>
  );
}
