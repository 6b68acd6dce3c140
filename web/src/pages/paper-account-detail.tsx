import { useMemo, useState } from 'preact/hooks';
import type { PaperAccount, PaperEquityPage, PaperPosition, Trade } from '../api/types';
import { ActionButton } from '../components/actions';
import { buyAndHoldCurve } from '../components/buy-and-hold';
import { LineChart, drawdownOf, type LineSpec } from '../components/equity-chart';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { MetricsTable, TradesTable } from '../components/metrics';
import { formatPrice, formatTime } from '../format';
import { useSession } from '../session';

const MAX_EQUITY_PAGES = 20;

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

/** One account: its controls (admin), equity next to buy-and-hold, figures, positions, trades. */
export function AccountDetail({ id, onChanged }: { id: string; onChanged: () => void }) {
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
