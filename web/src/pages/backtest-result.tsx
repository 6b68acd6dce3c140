import { useMemo } from 'preact/hooks';
import type { Backtest, Trade } from '../api/types';
import { usePolling } from '../components/actions';
import { JobStatus } from '../components/admin-action';
import { LineChart, drawdownOf, type LineSpec } from '../components/equity-chart';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { MetricsTable, TradesTable } from '../components/metrics';
import { formatTime } from '../format';
import { useSession } from '../session';

const POLL_MS = 1_000;

/** A curve's `[time (epoch ms), equity]` pairs (the contract types them as number arrays). */
function pairsOf(points: number[][] | null | undefined): [number, number][] | null {
  return (
    points?.flatMap<[number, number]>(([time, equity]) =>
      time === undefined || equity === undefined ? [] : [[time, equity]],
    ) ?? null
  );
}

/** One run: its progress while it runs, then equity, drawdown, figures and trades. */
export function BacktestResult({ id }: { id: string }) {
  const { api } = useSession();
  const backtest = useAsync<Backtest>(
    (signal) => api.get(`/backtests/${encodeURIComponent(id)}`, {}, signal),
    [api, id],
  );
  const status = backtest.data?.status;
  const running = status === 'queued' || status === 'running';
  usePolling(backtest.reload, POLL_MS, running);

  const done = status === 'completed';
  const trades = useAsync<Trade[] | null>(
    (signal) =>
      done
        ? api.get(`/backtests/${encodeURIComponent(id)}/trades`, { limit: 500 }, signal)
        : Promise.resolve(null),
    [api, id, done],
  );

  const equity = useMemo(() => pairsOf(backtest.data?.equity), [backtest.data?.equity]);
  // Stored with the run, at the strategy's times (runs from before it was stored have none).
  const holding = useMemo(
    () => pairsOf(backtest.data?.buyAndHoldEquity),
    [backtest.data?.buyAndHoldEquity],
  );
  const lines = useMemo<LineSpec[]>(() => {
    const result: LineSpec[] = [];
    if (equity) {
      result.push({ label: 'strategy', color: '--series-1', points: equity });
    }
    if (holding && holding.length > 0) {
      result.push({ label: 'buy-and-hold', color: '--series-2', points: holding, dashed: true });
    }
    return result;
  }, [equity, holding]);
  const drawdowns = useMemo<LineSpec[]>(
    () =>
      equity ? [{ label: 'strategy drawdown', color: '--down', points: drawdownOf(equity) }] : [],
    [equity],
  );

  if (backtest.error && !backtest.data) {
    return <ErrorBox error={backtest.error} />;
  }
  const data = backtest.data;
  if (!data) {
    return <p class="muted">Loading backtest {id}…</p>;
  }
  const result = data.result ?? {};
  return (
    <section class="panel stack" data-testid="backtest" data-status={data.status}>
      <div class="page-head">
        <h2>
          {data.symbol} {data.interval} · {formatTime(data.from)} → {formatTime(data.to)}
        </h2>
        <span class={`badge ${data.status === 'failed' ? 'action-sell' : ''}`}>{data.status}</span>
        {data.jobId && running ? <JobStatus jobId={data.jobId} /> : null}
      </div>
      <ErrorBox error={backtest.error} compact />
      {data.error ? (
        <div class="error" role="alert">
          {data.error}
        </div>
      ) : null}
      {done ? (
        <>
          <div class="grid-2">
            <div>
              <h2>Equity</h2>
              <LineChart lines={lines} testId="equity-chart" />
              {holding ? null : (
                <p class="muted small">No buy-and-hold curve stored with this run.</p>
              )}
            </div>
            <div>
              <h2>Strategy vs buy-and-hold</h2>
              <MetricsTable
                testId="backtest-metrics"
                columns={[
                  { label: 'strategy', metrics: result.strategy },
                  { label: 'buy-and-hold', metrics: result.buyAndHold },
                ]}
              />
              <p class="muted small">
                {result.candles ?? '–'} candles · strategy version {result.strategyVersion ?? '–'} ·
                sizing {JSON.stringify(data.params.sizing ?? 'all-in')}
              </p>
            </div>
          </div>
          <div>
            <h2>Drawdown</h2>
            <LineChart lines={drawdowns} testId="drawdown-chart" short percent />
          </div>
          <div>
            <h2>Trades ({data.tradeCount ?? trades.data?.length ?? 0})</h2>
            <ErrorBox error={trades.error} />
            <TradesTable trades={trades.data ?? []} />
          </div>
        </>
      ) : null}
    </section>
  );
}
