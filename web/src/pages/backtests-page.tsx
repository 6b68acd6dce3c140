import { useMemo, useState } from 'preact/hooks';
import type { Backtest, BacktestSummary, Market, SizingKind, Strategy, Trade } from '../api/types';
import { usePolling } from '../components/actions';
import { JobStatus } from '../components/admin-action';
import { LineChart, drawdownOf, type LineSpec } from '../components/equity-chart';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { MetricsTable, TradesTable } from '../components/metrics';
import { injectPageStyles } from '../components/page-styles';
import { formatChange, formatTime } from '../format';
import { setQuery } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';

injectPageStyles();

const DAY_MS = 86_400_000;
const POLL_MS = 1_000;
/** Runs per page of the list. */
const LIST_LIMIT = 20;

interface BacktestForm {
  strategy: string;
  symbol: string;
  interval: string;
  from: string;
  to: string;
  startingCash: string;
  feeRate: string;
  slippage: string;
  sizing: SizingKind;
  fraction: string;
  targetVolatility: string;
  maxFraction: string;
  walkForward: boolean;
}

/** `2022-09-01T00:00` for a datetime-local input (UTC, like every time on the dashboard). */
const toInput = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
const fromInput = (text: string): string => `${text}:00Z`;

function defaults(markets: Market[], strategies: Strategy[]): BacktestForm {
  const market = markets.find((each) => each.lastOpenTime) ?? markets[0];
  const last = market?.lastOpenTime ? Date.parse(market.lastOpenTime) : Date.now();
  const first = market?.firstOpenTime ? Date.parse(market.firstOpenTime) : last - 30 * DAY_MS;
  return {
    strategy: strategies.find((each) => each.active)?.name ?? strategies[0]?.name ?? '',
    symbol: market?.symbol ?? '',
    interval: market?.interval ?? '1h',
    from: toInput(Math.max(first, last - 30 * DAY_MS)),
    to: toInput(last),
    startingCash: '10000',
    feeRate: '0.001',
    slippage: '0',
    sizing: 'all-in',
    fraction: '0.5',
    targetVolatility: '0.01',
    maxFraction: '1',
    walkForward: true,
  };
}

function requestBody(form: BacktestForm): Record<string, unknown> {
  const sizing =
    form.sizing === 'fraction'
      ? { kind: 'fraction', fraction: Number(form.fraction) }
      : form.sizing === 'volatility'
        ? {
            kind: 'volatility',
            targetVolatility: Number(form.targetVolatility),
            maxFraction: Number(form.maxFraction),
          }
        : { kind: 'all-in' };
  return {
    strategy: form.strategy,
    symbol: form.symbol,
    interval: form.interval,
    from: fromInput(form.from),
    to: fromInput(form.to),
    startingCash: Number(form.startingCash),
    feeRate: Number(form.feeRate),
    slippage: Number(form.slippage),
    walkForward: form.walkForward,
    sizing,
  };
}

function BacktestFormPanel({ onStarted }: { onStarted: (id: string, jobId: string) => void }) {
  const { api } = useSession();
  const inputs = useAsync(
    async (signal) => {
      const [markets, strategies] = await Promise.all([
        api.get<Market[]>('/markets', {}, signal),
        api.get<Strategy[]>('/strategies', {}, signal),
      ]);
      return { markets, strategies };
    },
    [api],
  );
  const [form, setForm] = useState<BacktestForm | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (inputs.error) {
    return <ErrorBox error={inputs.error} />;
  }
  if (!inputs.data) {
    return <p class="muted">Loading strategies and markets…</p>;
  }
  const { markets, strategies } = inputs.data;
  const current = form ?? defaults(markets, strategies);
  const set = (changes: Partial<BacktestForm>) => setForm({ ...current, ...changes });
  const text =
    (name: keyof BacktestForm) =>
    (event: Event): void =>
      set({ [name]: (event.currentTarget as HTMLInputElement).value });
  const symbols = [...new Set(markets.map((market) => market.symbol))];
  const intervals = markets
    .filter((market) => market.symbol === current.symbol)
    .map((market) => market.interval);
  const names = [...new Set(strategies.map((strategy) => strategy.name))];

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const started = await api.post<{ backtestId: string; jobId: string }>(
        '/backtests',
        requestBody(current),
      );
      onStarted(started.backtestId, started.jobId);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={(event) => void submit(event)} data-testid="backtest-form">
      <label>
        strategy
        <select name="strategy" value={current.strategy} onChange={text('strategy')}>
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        market
        <select
          name="symbol"
          value={current.symbol}
          onChange={(event) => {
            const symbol = event.currentTarget.value;
            const interval =
              markets.find((market) => market.symbol === symbol)?.interval ?? current.interval;
            set({ symbol, interval });
          }}
        >
          {symbols.map((symbol) => (
            <option key={symbol} value={symbol}>
              {symbol}
            </option>
          ))}
        </select>
      </label>
      <label>
        interval
        <select name="interval" value={current.interval} onChange={text('interval')}>
          {intervals.map((interval) => (
            <option key={interval} value={interval}>
              {interval}
            </option>
          ))}
        </select>
      </label>
      <label>
        from (UTC)
        <input
          name="from"
          type="datetime-local"
          value={current.from}
          onInput={text('from')}
          required
        />
      </label>
      <label>
        to (UTC)
        <input name="to" type="datetime-local" value={current.to} onInput={text('to')} required />
      </label>
      <label>
        starting cash
        <input
          name="startingCash"
          type="number"
          min="1"
          step="any"
          value={current.startingCash}
          onInput={text('startingCash')}
        />
      </label>
      <label>
        fee per side
        <input
          name="feeRate"
          type="number"
          min="0"
          step="any"
          value={current.feeRate}
          onInput={text('feeRate')}
        />
      </label>
      <label>
        slippage
        <input
          name="slippage"
          type="number"
          min="0"
          step="any"
          value={current.slippage}
          onInput={text('slippage')}
        />
      </label>
      <label>
        sizing
        <select
          name="sizing"
          value={current.sizing}
          onChange={(event) => set({ sizing: event.currentTarget.value as SizingKind })}
        >
          <option value="all-in">all-in</option>
          <option value="fraction">fraction of equity</option>
          <option value="volatility">volatility target</option>
        </select>
      </label>
      {current.sizing === 'fraction' ? (
        <label>
          fraction
          <input
            name="fraction"
            type="number"
            min="0"
            max="1"
            step="any"
            value={current.fraction}
            onInput={text('fraction')}
          />
        </label>
      ) : null}
      {current.sizing === 'volatility' ? (
        <>
          <label>
            target volatility
            <input
              name="targetVolatility"
              type="number"
              min="0"
              step="any"
              value={current.targetVolatility}
              onInput={text('targetVolatility')}
            />
          </label>
          <label>
            max fraction
            <input
              name="maxFraction"
              type="number"
              min="0"
              max="1"
              step="any"
              value={current.maxFraction}
              onInput={text('maxFraction')}
            />
          </label>
        </>
      ) : null}
      <div class="checks">
        <label title="When the strategy reads the model and stored predictions do not cover the range">
          <input
            type="checkbox"
            checked={current.walkForward}
            onChange={(event) => set({ walkForward: event.currentTarget.checked })}
          />
          walk-forward models
        </label>
      </div>
      <div>
        <button type="submit" class="primary" disabled={busy || !current.strategy}>
          Run backtest
        </button>
      </div>
      <div class="wide">
        <ErrorBox error={error} />
      </div>
    </form>
  );
}

function BacktestResult({ id }: { id: string }) {
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

  const equity = backtest.data?.equity ?? null;
  // Stored with the run, at the strategy's times (runs from before it was stored have none).
  const holding = backtest.data?.buyAndHoldEquity ?? null;
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

/** Recent runs (GET /backtests, newest first), older pages on demand; a row opens its run. */
function RecentBacktests({ selected }: { selected: string | null }) {
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
  usePolling(recent.reload, POLL_MS * 2, running);
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
                    {run.strategyVersion !== null ? (
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

/** Backtests: the form, then the run's progress, equity, drawdown, figures and trades; recent runs. */
export default function BacktestsPage({ query }: PageProps) {
  const id = query.get('id');
  return (
    <div class="stack">
      <section class="panel">
        <div class="page-head">
          <h1>Backtests</h1>
          <span class="muted small">
            A strategy replayed over stored candles with fees, slippage and sizing
          </span>
        </div>
        <BacktestFormPanel onStarted={(backtestId) => setQuery({ id: backtestId })} />
      </section>
      {id ? <BacktestResult key={id} id={id} /> : null}
      <RecentBacktests selected={id} />
    </div>
  );
}
