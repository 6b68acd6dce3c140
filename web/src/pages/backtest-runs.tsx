import { useState } from 'preact/hooks';
import type { BacktestSummary } from '../api/types';
import { usePolling } from '../components/actions';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { formatChange, formatTime } from '../format';
import { setQuery } from '../router';
import { useSession } from '../session';

/** How often the list refreshes while a run in it is queued or running. */
const POLL_MS = 2_000;
/** Runs per page of the list. */
const LIST_LIMIT = 20;

/** Recent runs (GET /backtests, newest first), older pages on demand; a row opens its run. */
export function RecentBacktests({ selected }: { selected: string | null }) {
  const { api } = useSession();
  const recent = useAsync<BacktestSummary[]>(
    (signal) => api.get('/backtests', { limit: LIST_LIMIT }, signal),
    [api, selected],
  );
  const [older, setOlder] = useState<BacktestSummary[]>([]);
  const [olderError, setOlderError] = useState<unknown>(null);
  const [olderDone, setOlderDone] = useState(false);
  const running = (recent.data ?? []).some(
    (each) => each.status === 'queued' || each.status === 'running',
  );
  usePolling(recent.reload, POLL_MS, running);
  const first = recent.data ?? [];
  const rows = [...first, ...older.filter((each) => !first.some((row) => row.id === each.id))];
  const more = !olderDone && first.length === LIST_LIMIT;
  const loadOlder = async () => {
    const oldest = rows[rows.length - 1];
    if (!oldest) {
      return;
    }
    setOlderError(null);
    try {
      const page = await api.get<BacktestSummary[]>('/backtests', {
        limit: LIST_LIMIT,
        before: oldest.createdAt,
      });
      setOlder((current) => [...current, ...page]);
      setOlderDone(page.length < LIST_LIMIT);
    } catch (failure) {
      setOlderError(failure);
    }
  };
  return (
    <section class="panel stack">
      <div class="page-head">
        <h2>Recent runs</h2>
        <span class="muted small">newest first</span>
      </div>
      <ErrorBox error={recent.error} />
      {recent.data && rows.length === 0 ? <p class="muted">No backtest yet.</p> : null}
      {rows.length > 0 ? (
        <div class="scroll-x">
          <table class="compact responsive" data-testid="backtest-runs">
            <thead>
              <tr>
                <th>started</th>
                <th>strategy</th>
                <th>market</th>
                <th>range</th>
                <th>status</th>
                <th class="num">return</th>
                <th class="num">buy-and-hold</th>
                <th class="num">trades</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((run) => (
                <tr
                  key={run.id}
                  data-id={run.id}
                  class={run.id === selected ? 'selected' : ''}
                  aria-current={run.id === selected ? 'true' : undefined}
                >
                  <td data-label="started">
                    <a
                      href={`/ui/backtests?id=${encodeURIComponent(run.id)}`}
                      onClick={(event) => {
                        event.preventDefault();
                        setQuery({ id: run.id });
                      }}
                    >
                      {formatTime(run.createdAt)}
                    </a>
                  </td>
                  <td data-label="strategy">
                    {run.strategyName ?? run.strategyId.slice(0, 8)}
                    {typeof run.strategyVersion === 'number' ? (
                      <span class="muted"> v{run.strategyVersion}</span>
                    ) : null}
                  </td>
                  <td data-label="market">
                    {run.symbol} {run.interval}
                  </td>
                  <td data-label="range">
                    {formatTime(run.from)} → {formatTime(run.to)}
                  </td>
                  <td data-label="status">
                    <span class={`badge ${run.status === 'failed' ? 'action-sell' : ''}`}>
                      {run.status}
                    </span>
                  </td>
                  <td data-label="return" class="num">
                    {formatChange(run.totalReturn)}
                  </td>
                  <td data-label="buy-and-hold" class="num">
                    {formatChange(run.buyAndHoldReturn)}
                  </td>
                  <td data-label="trades" class="num">
                    {run.tradeCount ?? '–'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <ErrorBox error={olderError} compact />
      {more ? (
        <div>
          <button type="button" class="small" onClick={() => void loadOlder()}>
            Older runs
          </button>
        </div>
      ) : null}
    </section>
  );
}
