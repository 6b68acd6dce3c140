import { useMemo, useState } from 'preact/hooks';
import { LIVE_QUERIES } from '../api/live';
import type { CandleClosed, IndicatorDescription, Market, Prediction, Signal } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { useAsync, useSubscription } from '../components/hooks';
import { intervalMs } from '../format';
import { Link } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';
import { useTheme } from '../theme';
import { chartTime } from './market-chart-time';
import { Legend, SignalTooltip } from './market-hover';
import { DEFAULT_INDICATORS, defaultRange } from './market-loaders';
import { MarketSide } from './market-side';
import { MarketToolbar } from './market-toolbar';
import { useMarketChart } from './use-market-chart';

/**
 * One market: candles with volume for a chosen interval and range (older ones load as the view
 * scrolls back), indicators as overlays or panes, the forecast band, BUY / SELL markers with their
 * reasons on hover, all updated live (candleClosed, predictionUpdated, signalCreated).
 */
export default function MarketPage({ params, query }: PageProps) {
  const { api } = useSession();
  const { theme } = useTheme();
  const symbol = (params.symbol ?? '').toUpperCase();
  const markets = useAsync<Market[]>((signal) => api.get('/markets', {}, signal), [api]);
  const catalogue = useAsync<IndicatorDescription[]>(
    (signal) => api.get('/indicators', {}, signal),
    [api],
  );
  const symbolMarkets = useMemo(
    () =>
      (markets.data ?? [])
        .filter((market) => market.symbol === symbol)
        .sort((a, b) => intervalMs(a.interval) - intervalMs(b.interval)),
    [markets.data, symbol],
  );
  const requested = query.get('interval');
  const market =
    symbolMarkets.find((each) => each.interval === requested) ??
    symbolMarkets.find((each) => each.interval === '1h') ??
    symbolMarkets[symbolMarkets.length - 1];
  const interval = market?.interval ?? null;
  const range = query.get('range') ?? (interval ? defaultRange(interval) : '1w');
  const indicatorSpecs =
    query.getAll('ind').length > 0
      ? query.getAll('ind').filter((spec) => spec !== '-')
      : DEFAULT_INDICATORS;
  const [liveError, setLiveError] = useState<string | null>(null);

  const prediction = useAsync<Prediction>(
    (signal) =>
      interval
        ? api.get(`/predict/${symbol}`, { interval }, signal)
        : Promise.reject(new Error('no interval')),
    [api, symbol, interval],
  );
  const latestSignals = useAsync<Signal[]>(
    (signal) =>
      interval ? api.get(`/signals/${symbol}`, { interval }, signal) : Promise.resolve([]),
    [api, symbol, interval],
  );

  const chart = useMarketChart({
    api,
    theme,
    symbol,
    interval,
    range,
    market,
    indicatorSpecs,
    catalogue: catalogue.data,
    prediction: prediction.data,
  });

  // Live: a closing candle, a new forecast, a new signal.
  useSubscription<CandleClosed>({
    query: LIVE_QUERIES.candleClosed,
    field: 'candleClosed',
    variables: { symbol, interval: interval ?? '' },
    enabled: interval !== null,
    onError: setLiveError,
    onData: ({ candle }) => chart.closeCandle(candle),
  });
  useSubscription<Prediction>({
    query: LIVE_QUERIES.predictionUpdated,
    field: 'predictionUpdated',
    variables: { symbol },
    onError: setLiveError,
    onData: (next) => {
      if (next.interval === interval) {
        prediction.setData(() => next);
      }
    },
  });
  useSubscription<Signal>({
    query: LIVE_QUERIES.signalCreated,
    field: 'signalCreated',
    variables: { symbol },
    onError: setLiveError,
    onData: (signal) => {
      if (signal.interval !== interval) {
        return;
      }
      chart.addSignal(signal);
      latestSignals.setData((current) => [
        ...(current ?? []).filter((each) => each.strategyId !== signal.strategyId),
        signal,
      ]);
    },
  });

  const { hover, lastTwo } = chart;
  return (
    <section class="panel market-page">
      <div class="market-head">
        <h1>
          <Link href="/" class="muted back" aria-label="All markets">
            ←
          </Link>{' '}
          {symbol} <span class="muted small">{market?.pair}</span>
        </h1>
        <Legend
          candle={hover?.candle ?? lastTwo.last}
          previous={hover?.candle ? hover.previous : lastTwo.previous}
        />
      </div>
      <ErrorBox error={markets.error} />
      {markets.data && symbolMarkets.length === 0 ? (
        <p class="error">No market {symbol}: see the list of markets.</p>
      ) : null}
      <MarketToolbar
        symbol={symbol}
        interval={interval}
        intervals={symbolMarkets.map((each) => each.interval)}
        range={range}
        catalogue={catalogue.data ?? []}
        indicatorSpecs={indicatorSpecs}
      />
      <ErrorBox error={chart.chartError} />
      <ErrorBox error={chart.indicatorError} compact />
      {liveError ? <ErrorBox error={new Error(`Live updates: ${liveError}`)} compact /> : null}
      <div class="chart-wrap">
        <div
          class="chart"
          ref={chart.chartBox}
          data-testid="price-chart"
          data-candles={chart.candleCount}
          data-last-time={lastTwo.last ? chartTime(lastTwo.last.openTime) : ''}
        />
        {chart.olderState === 'loading' ? (
          <span class="chart-note">loading older candles…</span>
        ) : null}
        <SignalTooltip hover={hover} chartBox={chart.chartBox} />
      </div>
      <MarketSide interval={interval} prediction={prediction} latestSignals={latestSignals} />
    </section>
  );
}
