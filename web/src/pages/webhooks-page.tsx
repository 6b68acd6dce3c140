import { useCallback, useState } from 'preact/hooks';
import {
  WEBHOOK_EVENTS,
  type Webhook,
  type WebhookDelivery,
  type WebhookWithSecret,
} from '../api/types';
import { ActionButton } from '../components/actions';
import { JobStatus } from '../components/admin-action';
import { CheckboxGroup } from '../components/checkbox-group';
import { ErrorBox, FormError } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { injectPageStyles } from '../components/page-styles';
import { SecretDialog } from '../components/secret-dialog';
import { formatTime } from '../format';
import type { PageProps } from '../routes';
import { useSession } from '../session';

injectPageStyles();

interface Queued {
  messageId: string;
  type: string;
  jobId: string;
}

function CreateWebhookForm({ onCreated }: { onCreated: (webhook: WebhookWithSecret) => void }) {
  const { api } = useSession();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['signal.created']);
  const [symbols, setSymbols] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const list = symbols
      .split(/[\s,]+/)
      .map((symbol) => symbol.trim().toUpperCase())
      .filter(Boolean);
    try {
      const created = await api.post<WebhookWithSecret>('/webhooks', {
        url: url.trim(),
        events,
        ...(list.length > 0 ? { symbols: list } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      setUrl('');
      setSymbols('');
      setDescription('');
      onCreated(created);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form" onSubmit={(event) => void submit(event)} data-testid="webhook-form">
      <label class="wide">
        endpoint URL
        <input
          name="url"
          type="url"
          required
          placeholder="https://example.com/hooks/crypto"
          value={url}
          onInput={(event) => setUrl(event.currentTarget.value)}
        />
      </label>
      <CheckboxGroup
        title="events"
        name="events"
        options={WEBHOOK_EVENTS}
        selected={events}
        onChange={setEvents}
      />
      <label>
        symbols (empty: all)
        <input
          name="symbols"
          placeholder="BTC, ETH"
          value={symbols}
          onInput={(event) => setSymbols(event.currentTarget.value)}
        />
      </label>
      <label>
        description
        <input
          name="description"
          value={description}
          onInput={(event) => setDescription(event.currentTarget.value)}
        />
      </label>
      <div>
        <button type="submit" class="primary" disabled={busy || events.length === 0}>
          Create webhook
        </button>
      </div>
      <FormError error={error} />
    </form>
  );
}

function Deliveries({ webhookId, generation }: { webhookId: string; generation: number }) {
  const { api } = useSession();
  const deliveries = useAsync<WebhookDelivery[]>(
    (signal) =>
      api.get(`/webhooks/${encodeURIComponent(webhookId)}/deliveries`, { limit: 50 }, signal),
    [api, webhookId, generation],
  );
  const [replayed, setReplayed] = useState<Record<string, Queued>>({});
  if (deliveries.error) {
    return <ErrorBox error={deliveries.error} />;
  }
  const list = deliveries.data ?? [];
  return (
    <div data-testid="deliveries">
      <div class="row-actions">
        <h2>Deliveries</h2>
        <button type="button" class="small" onClick={deliveries.reload}>
          Refresh
        </button>
      </div>
      {list.length === 0 ? (
        <p class="muted">{deliveries.loading ? 'Loading…' : 'No delivery attempts yet.'}</p>
      ) : (
        <div class="scroll-x">
          <table class="compact responsive">
            <thead>
              <tr>
                <th>attempted</th>
                <th>event</th>
                <th>attempt</th>
                <th>status</th>
                <th class="num">duration</th>
                <th>message</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((delivery) => (
                <tr key={delivery.id}>
                  <td data-label="attempted">{formatTime(delivery.attemptedAt)}</td>
                  <td data-label="event">
                    {delivery.eventType}
                    <div class="muted small">{delivery.messageId}</div>
                  </td>
                  <td data-label="attempt">{delivery.attempt}</td>
                  <td data-label="status">
                    <span class={delivery.succeeded ? 'status-ok' : 'status-bad'}>
                      {delivery.succeeded ? 'ok' : 'failed'} {delivery.statusCode ?? ''}
                    </span>
                    {delivery.error ? <div class="muted small">{delivery.error}</div> : null}
                    {delivery.nextAttemptAt ? (
                      <div class="muted small">next {formatTime(delivery.nextAttemptAt)}</div>
                    ) : null}
                  </td>
                  <td data-label="duration" class="num">
                    {Math.round(delivery.durationMs)} ms
                  </td>
                  <td data-label="message">{delivery.messageStatus}</td>
                  <td data-label="">
                    {!delivery.succeeded && delivery.messageStatus === 'failed' ? (
                      <ActionButton
                        label="Replay"
                        run={() =>
                          api.post<Queued>(
                            `/webhooks/${encodeURIComponent(webhookId)}/deliveries/${encodeURIComponent(delivery.id)}/replay`,
                          )
                        }
                        onDone={(queued) =>
                          setReplayed({ ...replayed, [delivery.id]: queued as Queued })
                        }
                      />
                    ) : null}
                    {replayed[delivery.id] ? (
                      <JobStatus jobId={replayed[delivery.id]!.jobId} />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function WebhookRow({
  webhook,
  selected,
  onSelect,
  onSecret,
  onChanged,
}: {
  webhook: Webhook;
  selected: boolean;
  onSelect: () => void;
  onSecret: (webhook: WebhookWithSecret) => void;
  onChanged: () => void;
}) {
  const { api } = useSession();
  const [test, setTest] = useState<Queued | null>(null);
  const base = `/webhooks/${encodeURIComponent(webhook.id)}`;
  return (
    <tr class={selected ? 'selected' : ''} data-webhook={webhook.id}>
      <td data-label="endpoint">
        <button type="button" class="ghost small" onClick={onSelect} title="Show deliveries">
          {webhook.url}
        </button>
        {webhook.description ? <div class="muted small">{webhook.description}</div> : null}
      </td>
      <td data-label="events">{webhook.events.join(', ')}</td>
      <td data-label="symbols">{webhook.symbols?.join(', ') ?? 'all'}</td>
      <td data-label="state">
        <span class={webhook.enabled ? 'status-ok' : 'status-bad'}>
          {webhook.enabled ? 'enabled' : 'disabled'}
        </span>
        {webhook.disabledReason ? <div class="muted small">{webhook.disabledReason}</div> : null}
        {webhook.previousSecretExpiresAt ? (
          <div class="muted small">
            old secret signs until {formatTime(webhook.previousSecretExpiresAt)}
          </div>
        ) : null}
      </td>
      <td data-label="">
        <div class="row-actions">
          <ActionButton
            label="Send test"
            run={() => api.post<Queued>(`${base}/test`)}
            onDone={(queued) => setTest(queued as Queued)}
          />
          {test ? <JobStatus jobId={test.jobId} /> : null}
          <ActionButton
            label="Rotate secret"
            confirm="A new secret; the old one keeps signing for 24 hours. Rotate?"
            run={() => api.post<WebhookWithSecret>(`${base}/rotate-secret`)}
            onDone={(rotated) => {
              onSecret(rotated as WebhookWithSecret);
              onChanged();
            }}
          />
          {!webhook.enabled ? (
            <ActionButton
              label="Enable"
              run={() => api.post(`${base}/enable`)}
              onDone={onChanged}
            />
          ) : null}
          <ActionButton
            label="Delete"
            class="small danger"
            confirm={`Delete ${webhook.url}, its messages and its delivery log?`}
            run={() => api.delete(base)}
            onDone={onChanged}
          />
        </div>
      </td>
    </tr>
  );
}

/** The key's webhook subscriptions: create (secret shown once), test, deliveries, replay. */
export default function WebhooksPage(_props: PageProps) {
  const { api, isAdmin } = useSession();
  const webhooks = useAsync<Webhook[]>((signal) => api.get('/webhooks', {}, signal), [api]);
  const [secret, setSecret] = useState<{ webhook: WebhookWithSecret; reason: string } | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const closeSecret = useCallback(() => setSecret(null), []);
  const [generation, setGeneration] = useState(0);
  const list = webhooks.data ?? [];
  const shown = selected && list.some((each) => each.id === selected) ? selected : list[0]?.id;
  const changed = () => {
    webhooks.reload();
    setGeneration((value) => value + 1);
  };
  return (
    <div class="stack">
      <section class="panel">
        <div class="page-head">
          <h1>Webhooks</h1>
          <span class="muted small">
            {isAdmin ? 'every subscription (admin key)' : "this key's subscriptions"}: signed events
            (Standard Webhooks), retried with backoff
          </span>
        </div>
        <CreateWebhookForm
          onCreated={(webhook) => {
            setSecret({ webhook, reason: 'Webhook created' });
            setSelected(webhook.id);
            changed();
          }}
        />
      </section>
      <section class="panel">
        <h2>Subscriptions</h2>
        <ErrorBox error={webhooks.error} />
        {list.length === 0 ? (
          <p class="muted">{webhooks.loading ? 'Loading…' : 'No webhooks yet.'}</p>
        ) : (
          <div class="scroll-x">
            <table class="compact responsive" data-testid="webhooks">
              <thead>
                <tr>
                  <th>endpoint</th>
                  <th>events</th>
                  <th>symbols</th>
                  <th>state</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((webhook) => (
                  <WebhookRow
                    key={webhook.id}
                    webhook={webhook}
                    selected={webhook.id === shown}
                    onSelect={() => setSelected(webhook.id)}
                    onSecret={(rotated) =>
                      setSecret({ webhook: rotated, reason: 'Secret rotated' })
                    }
                    onChanged={changed}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {shown ? (
        <section class="panel">
          <Deliveries key={shown} webhookId={shown} generation={generation} />
        </section>
      ) : null}
      {secret ? (
        <SecretDialog title={secret.reason} secret={secret.webhook.secret} onClose={closeSecret}>
          The signing secret of <code>{secret.webhook.url}</code>. It is shown this once: copy it
          now and verify deliveries with any Standard Webhooks library.
        </SecretDialog>
      ) : null}
    </div>
  );
}
