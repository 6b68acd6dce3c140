import { useMemo, useState } from 'preact/hooks';
import type {
  Market,
  PaperAccount,
  PaperEquityPage,
  PaperPosition,
  SizingKind,
  Strategy,
  Trade,
} from '../api/types';
import { ActionButton } from '../components/actions';
import { buyAndHoldCurve } from '../components/buy-and-hold';
import { LineChart, drawdownOf, type LineSpec } from '../components/equity-chart';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { MetricsTable, TradesTable } from '../components/metrics';
import { injectPageStyles } from '../components/page-styles';
import { formatChange, formatPrice, formatTime } from '../format';
import { setQuery } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';

injectPageStyles();

const MAX_EQUITY_PAGES = 20;

function OpenAccountForm({ onOpened }: { onOpened: (account: PaperAccount) => void }) {
  const { api } = useSession();
  const inputs = useAsync(
    async (signal) => {
      const [strategies, markets] = await Promise.all([
        api.get<Strategy[]>('/strategies', {}, signal),
        api.get<Market[]>('/markets', {}, signal),
      ]);
      return { strategies, markets };
    },
    [api],
  );
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [strategy, setStrategy] = useState('');
  const [symbols, setSymbols] = useState<string[]>([]);
  const [interval, setInterval] = useState('');
  const [startingCash, setStartingCash] = useState('10000');
  const [feeRate, setFeeRate] = useState('0.001');
  const [slippage, setSlippage] = useState('0');
  const [sizing, setSizing] = useState<SizingKind | ''>('');
  const [fraction, setFraction] = useState('0.5');
  const [error, setError] = useState<unknown>(null);
  if (!open) {
    return (
      <button type="button" class="small" data-admin onClick={() => setOpen(true)}>
        Open a paper account…
      </button>
    );
  }
  const strategies = [...new Set((inputs.data?.strategies ?? []).map((each) => each.name))];
  const markets = inputs.data?.markets ?? [];
  const allSymbols = [...new Set(markets.map((each) => each.symbol))];
  const intervals = [...new Set(markets.map((each) => each.interval))];
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const account = await api.post<PaperAccount>('/admin/paper-accounts', {
        name: name.trim(),
        strategy: strategy || strategies[0],
        markets: symbols.length > 0 ? symbols : allSymbols.slice(0, 1),
        interval: interval || intervals[0],
        startingCash: Number(startingCash),
        feeRate: Number(feeRate),
        slippage: Number(slippage),
        ...(sizing === 'fraction'
          ? { sizing: { kind: 'fraction', fraction: Number(fraction) } }
          : sizing
            ? { sizing: { kind: sizing } }
            : {}),
      });
      setOpen(false);
      onOpened(account);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form class="form" data-admin onSubmit={(event) => void submit(event)}>
      <ErrorBox error={inputs.error} />
      <label>
        name
        <input required value={name} onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <label>
        strategy
        <select value={strategy} onChange={(event) => setStrategy(event.currentTarget.value)}>
          {strategies.map((each) => (
            <option key={each} value={each}>
              {each}
            </option>
          ))}
        </select>
      </label>
      <div class="field">
        markets (equal shares)
        <div class="checks">
          {allSymbols.map((symbol) => (
            <label key={symbol}>
              <input
                type="checkbox"
                checked={symbols.includes(symbol)}
                onChange={(event) =>
                  setSymbols(
                    event.currentTarget.checked
                      ? [...symbols, symbol]
                      : symbols.filter((each) => each !== symbol),
                  )
                }
              />
              {symbol}
            </label>
          ))}
        </div>
      </div>
      <label>
        interval
        <select value={interval} onChange={(event) => setInterval(event.currentTarget.value)}>
          {intervals.map((each) => (
            <option key={each} value={each}>
              {each}
            </option>
          ))}
        </select>
      </label>
      <label>
        starting cash
        <input
          type="number"
          min="1"
          step="any"
          value={startingCash}
          onInput={(event) => setStartingCash(event.currentTarget.value)}
        />
      </label>
      <label>
        fee per side
        <input
          type="number"
          min="0"
          step="any"
          value={feeRate}
          onInput={(event) => setFeeRate(event.currentTarget.value)}
        />
      </label>
      <label>
        slippage
        <input
          type="number"
          min="0"
          step="any"
          value={slippage}
          onInput={(event) => setSlippage(event.currentTarget.value)}
        />
      </label>
      <label>
        sizing
        <select
          value={sizing}
          onChange={(event) => setSizing(event.currentTarget.value as SizingKind | '')}
        >
          <option value="">the strategy's</option>
          <option value="all-in">all-in</option>
          <option value="fraction">fraction of equity</option>
          <option value="volatility">volatility target</option>
        </select>
      </label>
      {sizing === 'fraction' ? (
        <label>
          fraction
          <input
            type="number"
            min="0"
            max="1"
            step="any"
            value={fraction}
            onInput={(event) => setFraction(event.currentTarget.value)}
          />
        </label>
      ) : null}
      <div class="row-actions">
        <button type="submit" class="primary">
          Open account
        </button>
        <button type="button" class="ghost" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <div class="wide">
        <ErrorBox error={error} />
      </div>
    </form>
  );
}

async function equityCurve(params: {
  api: ReturnType<typeof useSession>['api'];
  id: string;
  signal: AbortSignal;
}): Promise<[number, number][]> {
  const points: [number, number][] = [];
  let from: string | null | undefined;
  for (let page = 0; page < MAX_EQUITY_PAGES; page += 1) {
    const result = await params.api.get<PaperEquityPage>(
      `/paper-accounts/${encodeURIComponent(params.id)}/equity`,
      { from, limit: 5000 },
      params.signal,
    );
    points.push(
      ...result.points.map((point) => [Date.parse(point.time), point.equity] as [number, number]),
    );
    from = result.next;
    if (!from) {
      break;
    }
  }
  return points;
}

function AccountDetail({ id, onChanged }: { id: string; onChanged: () => void }) {
  const { api } = useSession();
  const [generation, setGeneration] = useState(0);
  const detail = useAsync(
    async (signal) => {
      const base = `/paper-accounts/${encodeURIComponent(id)}`;
      const [account, positions, trades, equity] = await Promise.all([
        api.get<PaperAccount>(base, {}, signal),
        api.get<PaperPosition[]>(`${base}/positions`, {}, signal),
        api.get<Trade[]>(`${base}/trades`, { limit: 500 }, signal),
        equityCurve({ api, id, signal }),
      ]);
      return { account, positions, trades, equity };
    },
    [api, id, generation],
  );
  const account = detail.data?.account;
  const equity = detail.data?.equity;
  const holding = useAsync<[number, number][] | null>(
    (signal) =>
      account && equity && equity.length > 0
        ? buyAndHoldCurve({
            api,
            symbols: account.markets,
            interval: account.interval,
            from: account.startTime,
            to: account.lastCandle,
            startingCash: account.startingCash,
            feeRate: account.feeRate,
            slippage: account.slippage,
            signal,
          })
        : Promise.resolve(null),
    [api, account, equity],
  );
  const lines = useMemo<LineSpec[]>(() => {
    const result: LineSpec[] = [];
    if (equity) {
      result.push({ label: 'account equity', color: '--series-1', points: equity });
    }
    if (holding.data && holding.data.length > 0) {
      result.push({
        label: 'buy-and-hold (from the candles)',
        color: '--series-2',
        points: holding.data,
        dashed: true,
      });
    }
    return result;
  }, [equity, holding.data]);
  const drawdowns = useMemo<LineSpec[]>(
    () => (equity ? [{ label: 'drawdown', color: '--down', points: drawdownOf(equity) }] : []),
    [equity],
  );
  if (detail.error) {
    return <ErrorBox error={detail.error} />;
  }
  if (!detail.data) {
    return <p class="muted">Loading…</p>;
  }
  const { positions, trades } = detail.data;
  const shown = detail.data.account;
  const changed = () => {
    setGeneration((value) => value + 1);
    onChanged();
  };
  const adminPath = `/admin/paper-accounts/${encodeURIComponent(shown.id)}`;
  return (
    <section class="panel stack" data-testid="paper-account">
      <div class="page-head">
        <h2>{shown.name}</h2>
        <span class="badge">{shown.status}</span>
        <span class="muted small">
          {shown.strategy.name} v{shown.strategy.version} · {shown.markets.join(', ')}{' '}
          {shown.interval} · since {formatTime(shown.startTime)} · last candle{' '}
          {formatTime(shown.lastCandle)}
          {shown.lateCandles > 0 ? ` · ${shown.lateCandles} decided late` : ''}
        </span>
        <div class="row-actions">
          {shown.status === 'active' ? (
            <ActionButton
              admin
              label="Pause"
              run={() => api.patch(adminPath, { status: 'paused' })}
              onDone={changed}
            />
          ) : null}
          {shown.status === 'paused' ? (
            <ActionButton
              admin
              label="Resume"
              run={() => api.patch(adminPath, { status: 'active' })}
              onDone={changed}
            />
          ) : null}
          {shown.status !== 'closed' ? (
            <ActionButton
              admin
              label="Close"
              class="small danger"
              confirm={`Close ${shown.name}? Open positions are sold at their last close.`}
              run={() => api.delete(adminPath)}
              onDone={changed}
            />
          ) : null}
        </div>
      </div>
      <div class="grid-2">
        <div>
          <h2>Equity</h2>
          {equity && equity.length > 0 ? (
            <>
              <LineChart lines={lines} testId="paper-equity-chart" />
              <LineChart lines={drawdowns} testId="paper-drawdown-chart" short percent />
            </>
          ) : (
            <p class="muted">
              No candle stepped yet: the curve starts with the next closed candle.
            </p>
          )}
        </div>
        <div>
          <h2>Figures</h2>
          <MetricsTable
            testId="paper-metrics"
            columns={[
              { label: 'account', metrics: shown.metrics },
              { label: 'buy-and-hold', metrics: shown.buyAndHold },
              { label: 'backtest', metrics: shown.backtest },
            ]}
          />
          <p class="muted small">
            Buy-and-hold of the same markets and a backtest of the same strategy version, over the
            same candles.
          </p>
        </div>
      </div>
      <div>
        <h2>Positions</h2>
        <table class="compact responsive">
          <thead>
            <tr>
              <th>market</th>
              <th class="num">cash</th>
              <th class="num">quantity</th>
              <th class="num">entry</th>
              <th class="num">mark</th>
              <th class="num">equity</th>
            </tr>
          </thead>
          <tbody>
            {positions.map((position) => (
              <tr key={position.symbol}>
                <td data-label="market">{position.symbol}</td>
                <td data-label="cash" class="num">
                  {formatPrice(position.cash)}
                </td>
                <td data-label="quantity" class="num">
                  {position.quantity === 0 ? 'flat' : position.quantity.toPrecision(4)}
                </td>
                <td data-label="entry" class="num">
                  {formatPrice(position.entryPrice)}
                </td>
                <td data-label="mark" class="num">
                  {formatPrice(position.markPrice)}
                </td>
                <td data-label="equity" class="num">
                  {formatPrice(position.equity)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div>
        <h2>Trades ({trades.length})</h2>
        <TradesTable trades={trades} />
      </div>
    </section>
  );
}

/** Paper accounts: their figures next to buy-and-hold and the backtest, equity, trades. */
export default function PaperPage({ query }: PageProps) {
  const { api } = useSession();
  const accounts = useAsync<PaperAccount[]>(
    (signal) => api.get('/paper-accounts', {}, signal),
    [api],
  );
  const list = accounts.data ?? [];
  const selected = query.get('id') ?? list[list.length - 1]?.id ?? null;
  return (
    <div class="stack">
      <section class="panel">
        <div class="page-head">
          <h1>Paper accounts</h1>
          <span class="muted small">Strategies following live signals with simulated fills</span>
        </div>
        <OpenAccountFormIfAdmin
          onOpened={(account) => {
            accounts.reload();
            setQuery({ id: account.id });
          }}
        />
        <ErrorBox error={accounts.error} />
        <div class="scroll-x">
          <table class="compact responsive" data-testid="paper-accounts">
            <thead>
              <tr>
                <th>account</th>
                <th>strategy</th>
                <th>markets</th>
                <th>status</th>
                <th class="num">equity</th>
                <th class="num">return</th>
                <th class="num">trades</th>
              </tr>
            </thead>
            <tbody>
              {list.map((account) => (
                <tr
                  key={account.id}
                  class={account.id === selected ? 'selected' : ''}
                  data-account={account.name}
                >
                  <td data-label="account">
                    <button
                      type="button"
                      class="ghost small"
                      onClick={() => setQuery({ id: account.id })}
                    >
                      {account.name}
                    </button>
                  </td>
                  <td data-label="strategy">
                    {account.strategy.name} v{account.strategy.version}
                  </td>
                  <td data-label="markets">
                    {account.markets.join(', ')} {account.interval}
                  </td>
                  <td data-label="status">{account.status}</td>
                  <td data-label="equity" class="num">
                    {formatPrice(account.metrics.finalEquity)}
                  </td>
                  <td
                    data-label="return"
                    class={`num ${account.metrics.totalReturn >= 0 ? 'up' : 'down'}`}
                  >
                    {formatChange(account.metrics.totalReturn)}
                  </td>
                  <td data-label="trades" class="num">
                    {account.metrics.trades}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {accounts.data && list.length === 0 ? <p class="muted">No paper accounts yet.</p> : null}
      </section>
      {selected ? <AccountDetail key={selected} id={selected} onChanged={accounts.reload} /> : null}
    </div>
  );
}

function OpenAccountFormIfAdmin(props: { onOpened: (account: PaperAccount) => void }) {
  const { isAdmin } = useSession();
  return isAdmin ? <OpenAccountForm {...props} /> : null;
}
