import { useState } from 'preact/hooks';
import type { ModelSearch } from '../api/types';
import { ActionButton, ProgressBar, usePolling } from '../components/actions';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { formatTime } from '../format';
import { useSession } from '../session';
import { KINDS } from './model-kind-picker';

const POLL_MS = 3_000;

/** The market's recent hyperparameter searches: progress and best trial (polled while running). */
export function Searches({
  symbol,
  interval,
  generation,
}: {
  symbol: string;
  interval: string;
  generation: number;
}) {
  const { api } = useSession();
  const searches = useAsync<ModelSearch[]>(
    (signal) => api.get('/models/searches', { symbol, interval, limit: 10 }, signal),
    [api, symbol, interval, generation],
  );
  const running = (searches.data ?? []).some(
    (search) => search.status === 'running' || search.status === 'evaluating',
  );
  usePolling(searches.reload, POLL_MS, running);
  return (
    <section class="panel" data-testid="searches">
      <h2>Searches</h2>
      <ErrorBox error={searches.error} />
      {searches.data && searches.data.length === 0 ? (
        <p class="muted">No searches for this market.</p>
      ) : null}
      <div class="scroll-x">
        <table class="compact responsive">
          <tbody>
            {(searches.data ?? []).map((search) => {
              const best = search.best as {
                kind?: string;
                score?: number;
                trialIndex?: number;
              } | null;
              return (
                <tr key={search.id} data-search={search.id}>
                  <td data-label="started">
                    {formatTime(search.createdAt)}
                    <div class="muted small">{search.id.slice(0, 8)}</div>
                  </td>
                  <td data-label="status">
                    <span class="badge">{search.status}</span>
                    {search.error ? <div class="status-bad small">{search.error}</div> : null}
                  </td>
                  <td data-label="progress">
                    <ProgressBar percent={search.percent} label="search progress" />
                    <span class="muted small">
                      {search.trialsDone} / {search.trialsTotal} trials
                    </span>
                  </td>
                  <td data-label="best">
                    {best?.kind
                      ? `${best.kind} (trial ${best.trialIndex ?? '?'}), score ${typeof best.score === 'number' ? best.score.toFixed(3) : '–'}`
                      : '–'}
                    <div class="muted small">score: MAE over persistence's (lower is better)</div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Admin only: a search's trials and model kinds, and the button that starts it. */
export function SearchControls({
  symbol,
  interval,
  onStarted,
}: {
  symbol: string;
  interval: string;
  onStarted: () => void;
}) {
  const { api, isAdmin } = useSession();
  const [trials, setTrials] = useState('12');
  const [kind, setKind] = useState<(typeof KINDS)[number] | 'all'>('all');
  if (!isAdmin) {
    return null;
  }
  return (
    <span class="row-actions" data-admin>
      <input
        type="number"
        min="1"
        step="1"
        aria-label="search trials"
        class="trials"
        value={trials}
        onInput={(event) => setTrials(event.currentTarget.value)}
      />
      <select
        aria-label="search kinds"
        value={kind}
        onChange={(event) => setKind(event.currentTarget.value as (typeof KINDS)[number] | 'all')}
      >
        <option value="all">all kinds</option>
        {KINDS.map((each) => (
          <option key={each} value={each}>
            {each}
          </option>
        ))}
      </select>
      <ActionButton
        admin
        label={`Search (${trials} trials)`}
        run={() =>
          api.post('/admin/models/search', {
            symbol,
            interval,
            trials: Number(trials),
            ...(kind === 'all' ? {} : { kinds: [kind] }),
          })
        }
        onDone={onStarted}
      />
    </span>
  );
}
