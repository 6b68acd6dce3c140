import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/rest';
import { LIVE_QUERIES } from '../api/live';
import type { CandleClosed, CandlePage, Market, Prediction, Signal } from '../api/types';
import { AdminAction } from '../components/admin-action';
import { ErrorBox } from '../components/error-box';
import { ForecastTable, KindBadge } from '../components/forecast';
import { useAsync, useNow, useSubscription } from '../components/hooks';
import { SignalLine } from '../components/signals';
import { formatChange, formatDuration, formatPrice, intervalMs } from '../format';
import { Link } from '../router';
import { marketHref, type PageProps } from '../routes';
import { useSession } from '../session';

const DAY_MS = 86_400_000;
const MARKETS_REFRESH_MS = 30_000;

/** One coin and every interval the service keeps for it. */
interface MarketGroup {
  symbol: string;
  pair: string;
  markets: Market[];
  /** The shortest interval with candles: the freshest price. */
  priceInterval: string | null;
}

function groupMarkets(markets: Market[]): MarketGroup[] {
  const groups = new Map<string, MarketGroup>();
  for (const market of markets) {
    const group = groups.get(market.symbol) ?? {
      symbol: market.symbol,
      pair: market.pair,
      markets: [],
      priceInterval: null,
    };
    group.markets.push(market);
    groups.set(market.symbol, group);
  }
  for (const group of groups.values()) {
    group.markets.sort((a, b) => intervalMs(a.interval) - intervalMs(b.interval));
    group.priceInterval = group.markets.find((market) => market.lastOpenTime)?.interval ?? null;
  }
  return [...groups.values()];
}

interface Quote {
  last: { openTime: number; close: number } | null;
  reference: { openTime: number; close: number } | null;
}

/** A 503 of /predict is "not enough history yet": a state, not a failure. */
function isNotReady(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 503 || error.status === 404);
}

function StreamCell({
  group,
  lastOpenTime,
  now,
}: {
  group: MarketGroup;
  lastOpenTime: number | null;
  now: number;
}) {
  const market =
    group.markets.find((each) => each.interval === group.priceInterval) ?? group.markets[0];
  if (!market) {
    return <span class="muted">–</span>;
  }
  const { live } = market;
  const lagMs =
    lastOpenTime !== null && group.priceInterval
      ? Math.max(0, now - (lastOpenTime + intervalMs(group.priceInterval)))
      : (live.lagMs ?? null);
  const paused = live.exchangePausedUntil
    ? `paused until ${live.exchangePausedUntil}: ${live.exchangePauseReason ?? ''}`
    : null;
  return (
    <span
      class="stream"
      title={paused ?? (live.owner ? `stream owner ${live.owner}` : 'no worker owns the stream')}
      data-testid="stream"
    >
      <span class={`dot ${live.connected ? 'dot-on' : 'dot-off'}`} />
      {live.connected ? 'live' : 'down'}
      <span class="muted"> · lag {formatDuration(lagMs)}</span>
      {paused ? <span class="badge warn">paused</span> : null}
      {group.markets.some((each) => each.missing > 0) ? (
        <span
          class="muted"
          title="candles missing between the first and the last (known gaps included)"
        >
          {' '}
          · {group.markets.map((each) => `${each.interval}: ${each.missing} missing`).join(', ')}
        </span>
      ) : null}
    </span>
  );
}

function MarketRow({ group, now }: { group: MarketGroup; now: number }) {
  const { api } = useSession();
  const { symbol, priceInterval } = group;
  const lastOpenTimeText =
    group.markets.find((market) => market.interval === priceInterval)?.lastOpenTime ?? null;

  const quote = useAsync<Quote>(
    async (signal) => {
      if (!priceInterval || !lastOpenTimeText) {
        return { last: null, reference: null };
      }
      const lastOpenTime = Date.parse(lastOpenTimeText);
      const candle = (page: CandlePage) => {
        const first = page.candles[0];
        return first ? { openTime: Date.parse(first.openTime), close: first.close } : null;
      };
      const [last, reference] = await Promise.all([
        api.get<CandlePage>(
          `/candles/${symbol}`,
          { interval: priceInterval, from: lastOpenTime, limit: 1 },
          signal,
        ),
        api.get<CandlePage>(
          `/candles/${symbol}`,
          { interval: priceInterval, from: lastOpenTime - DAY_MS, limit: 1 },
          signal,
        ),
      ]);
      return { last: candle(last), reference: candle(reference) };
    },
    [api, symbol, priceInterval, lastOpenTimeText === null],
  );
  const prediction = useAsync<Prediction>(
    (signal) => api.get(`/predict/${symbol}`, {}, signal),
    [api, symbol],
  );
  const signals = useAsync<Signal[]>(
    (signal) => api.get(`/signals/${symbol}`, {}, signal),
    [api, symbol],
  );

  useSubscription<CandleClosed>({
    query: LIVE_QUERIES.candleClosed,
    field: 'candleClosed',
    variables: { symbol, interval: priceInterval ?? '' },
    enabled: priceInterval !== null,
    onData: ({ candle }) => {
      const openTime = Date.parse(candle.openTime);
      const reference = quote.data?.reference ?? null;
      if (quote.data?.last && quote.data.last.openTime >= openTime) {
        return;
      }
      // The 24 h reference moves with the price: fetched again once it is an hour behind.
      if (reference && openTime - reference.openTime > DAY_MS + 3_600_000) {
        quote.reload();
      }
      quote.setData((current) => ({
        reference: current?.reference ?? null,
        last: { openTime, close: candle.close },
      }));
    },
  });
  useSubscription<Prediction>({
    query: LIVE_QUERIES.predictionUpdated,
    field: 'predictionUpdated',
    variables: { symbol },
    onData: (next) =>
      prediction.setData((current) =>
        !current || current.interval === next.interval ? next : current,
      ),
  });
  useSubscription<Signal>({
    query: LIVE_QUERIES.signalCreated,
    field: 'signalCreated',
    variables: { symbol },
    onData: (next) =>
      signals.setData((current) => {
        const list = current ?? [];
        if (list.length > 0 && !list.some((each) => each.interval === next.interval)) {
          return list;
        }
        return [...list.filter((each) => each.strategyName !== next.strategyName), next].sort(
          (a, b) => a.strategyName.localeCompare(b.strategyName),
        );
      }),
  });

  const last = quote.data?.last ?? null;
  const reference = quote.data?.reference ?? null;
  const change = last && reference ? last.close / reference.close - 1 : null;
  return (
    <tr data-symbol={symbol}>
      <td data-label="market">
        <div>
          <Link href={marketHref(symbol)} class="market-link">
            <strong>{symbol}</strong>
          </Link>
          <div class="muted small">
            {group.pair} · {group.markets.map((market) => market.interval).join(', ')}
          </div>
        </div>
      </td>
      <td data-label="last" class="num" data-testid="last-price">
        {quote.error ? <ErrorBox error={quote.error} compact /> : formatPrice(last?.close)}
      </td>
      <td data-label="24 h" class={`num ${change === null ? '' : change >= 0 ? 'up' : 'down'}`}>
        {formatChange(change)}
      </td>
      <td data-label="stream">
        <StreamCell group={group} lastOpenTime={last?.openTime ?? null} now={now} />
      </td>
      <td data-label="forecast" data-testid="forecast">
        {prediction.data ? (
          <div>
            <KindBadge prediction={prediction.data} />{' '}
            <span class="muted small">{prediction.data.interval}</span>
            <ForecastTable prediction={prediction.data} compact />
          </div>
        ) : prediction.error ? (
          isNotReady(prediction.error) ? (
            <span class="muted" title={(prediction.error as Error).message}>
              not yet: {(prediction.error as Error).message}
            </span>
          ) : (
            <ErrorBox error={prediction.error} compact />
          )
        ) : (
          <span class="muted">…</span>
        )}
      </td>
      <td data-label="signal" data-testid="signal">
        <div>
          {signals.error ? <ErrorBox error={signals.error} compact /> : null}
          {signals.data?.length === 0 ? <span class="muted">none yet</span> : null}
          {signals.data?.map((signal) => (
            <SignalLine key={signal.strategyId} signal={signal} />
          ))}
        </div>
      </td>
      <td data-label="admin" class="admin-cell">
        <AdminAction
          label="Train"
          title={`POST /admin/models/train {symbol: ${symbol}}`}
          run={async () => [
            (await api.post<{ jobId: string }>('/admin/models/train', { symbol })).jobId,
          ]}
        />
        <AdminAction
          label="Backfill 7 d"
          title="POST /admin/backfill for every interval, from 7 days ago"
          run={() =>
            Promise.all(
              group.markets.map(
                async (market) =>
                  (
                    await api.post<{ jobId: string }>('/admin/backfill', {
                      symbol,
                      interval: market.interval,
                      from: new Date(Date.now() - 7 * DAY_MS).toISOString(),
                    })
                  ).jobId,
              ),
            )
          }
        />
      </td>
    </tr>
  );
}

/** Every market: last price, 24 h change, stream state and lag, latest forecast and signals. */
export default function MarketsPage(_props: PageProps) {
  const { api, isAdmin } = useSession();
  const markets = useAsync<Market[]>((signal) => api.get('/markets', {}, signal), [api]);
  const now = useNow(5_000);
  useEffect(() => {
    const timer = setInterval(markets.reload, MARKETS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [api]);
  const [groups, setGroups] = useState<MarketGroup[]>([]);
  useEffect(() => {
    if (markets.data) {
      setGroups(groupMarkets(markets.data));
    }
  }, [markets.data]);
  return (
    <section class="panel">
      <h1>Markets</h1>
      <ErrorBox error={markets.error} />
      {markets.loading && groups.length === 0 ? <p class="muted">Loading markets…</p> : null}
      {groups.length > 0 ? (
        <table class="markets responsive">
          <thead>
            <tr>
              <th>market</th>
              <th class="num">last</th>
              <th class="num">24 h</th>
              <th>stream</th>
              <th>forecast (+candles: close, 10–90%, P(up))</th>
              <th>latest signal</th>
              <th class={isAdmin ? '' : 'hidden'}>{isAdmin ? 'admin' : ''}</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((group) => (
              <MarketRow key={group.symbol} group={group} now={now} />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
