import type { MouseEventParams, Time } from 'lightweight-charts';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { LIVE_QUERIES } from '../api/live';
import { ApiError, type ApiClient } from '../api/rest';
import type {
  Candle,
  CandleClosed,
  CandlePage,
  IndicatorDescription,
  IndicatorsPage,
  Market,
  Prediction,
  Signal,
} from '../api/types';
import { AdminAction } from '../components/admin-action';
import { ErrorBox } from '../components/error-box';
import { ForecastTable, KindBadge } from '../components/forecast';
import { useAsync, useSubscription } from '../components/hooks';
import { SignalLine, SignalReasons } from '../components/signals';
import { formatChange, formatPrice, formatTime, intervalMs } from '../format';
import { Link, setQuery } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';
import { useTheme } from '../theme';
import { MarketChart, chartTime } from './market-chart';

const PAGE_LIMIT = 1000;
/** The most candles the first view loads; older ones come as the view scrolls back. */
const MAX_INITIAL_CANDLES = 5000;
const RANGES: Record<string, number> = {
  '1d': 86_400_000,
  '1w': 7 * 86_400_000,
  '1M': 30 * 86_400_000,
  '3M': 90 * 86_400_000,
  '1y': 365 * 86_400_000,
};
const DEFAULT_INDICATORS = ['ema:20', 'rsi:14'];

/** The largest preset range that stays under ~1,500 candles of `interval`. */
function defaultRange(interval: string): string {
  const step = intervalMs(interval);
  const fitting = Object.entries(RANGES).filter(([, ms]) => ms / step <= 1500);
  return fitting[fitting.length - 1]?.[0] ?? '1d';
}

/** Candles of [from, to], following nextCursor. */
async function loadCandles(
  api: ApiClient,
  params: { symbol: string; interval: string; from: number; to: number },
): Promise<Candle[]> {
  const candles: Candle[] = [];
  let cursor: string | null | undefined;
  do {
    const page: CandlePage = await api.get(`/candles/${params.symbol}`, {
      interval: params.interval,
      from: params.from,
      to: params.to,
      limit: PAGE_LIMIT,
      cursor: cursor ?? undefined,
    });
    candles.push(...page.candles);
    cursor = page.nextCursor;
  } while (cursor);
  return candles;
}

/** Indicator values of [from, to], following nextFrom. */
async function loadIndicators(
  api: ApiClient,
  params: { symbol: string; interval: string; names: string; from: number; to: number },
  onPage: (page: IndicatorsPage) => void,
): Promise<void> {
  let from: string | number | null | undefined = params.from;
  while (from !== null && from !== undefined) {
    const page: IndicatorsPage = await api.get(`/indicators/${params.symbol}`, {
      interval: params.interval,
      names: params.names,
      from,
      to: params.to,
      limit: PAGE_LIMIT,
    });
    onPage(page);
    from = page.nextFrom;
  }
}

interface Hover {
  x: number;
  y: number;
  time: number;
  candle: Candle | undefined;
  previous: Candle | undefined;
  signals: Signal[];
}

function Legend({
  candle,
  previous,
}: {
  candle: Candle | undefined;
  previous: Candle | undefined;
}) {
  if (!candle) {
    return <span class="muted">no candles</span>;
  }
  const change = previous ? candle.close / previous.close - 1 : null;
  return (
    <span class="legend" data-testid="legend">
      <span class="muted">{formatTime(candle.openTime)} UTC</span> O {formatPrice(candle.open)} H{' '}
      {formatPrice(candle.high)} L {formatPrice(candle.low)} C{' '}
      <strong>{formatPrice(candle.close)}</strong>{' '}
      <span class={change !== null && change < 0 ? 'down' : 'up'}>{formatChange(change)}</span>{' '}
      <span class="muted">vol {formatPrice(candle.volume)}</span>
    </span>
  );
}

function IndicatorPicker({
  catalogue,
  selected,
  onChange,
}: {
  catalogue: IndicatorDescription[];
  selected: string[];
  onChange: (specs: string[]) => void;
}) {
  const [draft, setDraft] = useState('');
  const add = (event: Event) => {
    event.preventDefault();
    const spec = draft.trim();
    if (spec && !selected.includes(spec)) {
      onChange([...selected, spec]);
    }
    setDraft('');
  };
  return (
    <form class="indicator-picker" onSubmit={add}>
      {selected.map((spec) => (
        <span class="chip" key={spec}>
          {spec}
          <button
            type="button"
            aria-label={`Remove ${spec}`}
            onClick={() => onChange(selected.filter((each) => each !== spec))}
          >
            ×
          </button>
        </span>
      ))}
      <input
        list="indicator-catalogue"
        aria-label="Add an indicator (name:params)"
        placeholder="add indicator: bb:20,2"
        value={draft}
        onInput={(event) => setDraft(event.currentTarget.value)}
      />
      <datalist id="indicator-catalogue">
        {catalogue.map((description) => (
          <option key={description.name} value={description.defaultSpec}>
            {description.title}
          </option>
        ))}
      </datalist>
      <button type="submit" class="small">
        Add
      </button>
    </form>
  );
}

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

  const chartBox = useRef<HTMLDivElement>(null);
  const chartRef = useRef<MarketChart | null>(null);
  const [chartError, setChartError] = useState<unknown>(null);
  const [indicatorError, setIndicatorError] = useState<unknown>(null);
  const [liveError, setLiveError] = useState<string | null>(null);
  const [lastTwo, setLastTwo] = useState<{ last?: Candle; previous?: Candle }>({});
  const [hover, setHover] = useState<Hover | null>(null);
  const [olderState, setOlderState] = useState<'idle' | 'loading' | 'start'>('idle');
  const [candleCount, setCandleCount] = useState(0);
  /** Bumped each time a new set of candles replaces the chart's (indicators and band follow). */
  const [dataVersion, setDataVersion] = useState(0);

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

  // The chart lives as long as the page; data is swapped in by the effects below.
  useEffect(() => {
    if (!chartBox.current) {
      return undefined;
    }
    const chart = new MarketChart(chartBox.current);
    chartRef.current = chart;
    const off = chart.onCrosshair((event: MouseEventParams<Time>) => {
      if (!event.point || event.time === undefined) {
        setHover(null);
        return;
      }
      const time = event.time as number;
      setHover({
        x: event.point.x,
        y: event.point.y,
        time,
        ...chart.candleAt(time),
        signals: chart.signalsAt(time),
      });
    });
    return () => {
      off();
      chart.destroy();
      chartRef.current = null;
    };
  }, []);

  useEffect(() => chartRef.current?.applyTheme(), [theme]);

  const refreshLegend = () => {
    const chart = chartRef.current;
    const last = chart?.lastCandle();
    setCandleCount(chart?.candleCount() ?? 0);
    setLastTwo({
      last,
      previous: last && chart ? chart.candleAt(chartTime(last.openTime)).previous : undefined,
    });
  };

  // Candles, then signals and indicators, for the symbol, interval and range.
  const firstOpenTime = market?.firstOpenTime ? Date.parse(market.firstOpenTime) : null;
  const lastOpenTime = market?.lastOpenTime ? Date.parse(market.lastOpenTime) : null;
  const loadKey = `${symbol}|${interval}|${range}`;
  const loadedKey = useRef<string | null>(null);
  useEffect(() => {
    const chart = chartRef.current;
    if (
      !chart ||
      !interval ||
      lastOpenTime === null ||
      firstOpenTime === null ||
      loadedKey.current === loadKey
    ) {
      return;
    }
    loadedKey.current = loadKey;
    const step = intervalMs(interval);
    const span = Math.min(RANGES[range] ?? RANGES['1w'] ?? 0, MAX_INITIAL_CANDLES * step);
    const from = Math.max(firstOpenTime, lastOpenTime - span + step);
    setChartError(null);
    setOlderState(from <= firstOpenTime ? 'start' : 'idle');
    void (async () => {
      try {
        const candles = await loadCandles(api, { symbol, interval, from, to: lastOpenTime });
        if (loadedKey.current !== loadKey) {
          return;
        }
        // The bench measures from here (the data is in) to the frame after the chart drew it.
        performance.mark('cft:candles-arrived');
        chart.setCandles(candles);
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            performance.measure('cft:candles-drawn', 'cft:candles-arrived');
            chartBox.current?.setAttribute('data-drawn', String(candles.length));
          }),
        );
        refreshLegend();
        setDataVersion((version) => version + 1);
        const signals: Signal[] = await api.get(`/signals/${symbol}/history`, {
          interval,
          from,
          to: lastOpenTime,
          limit: 1000,
        });
        chart.setSignals(signals);
      } catch (error) {
        setChartError(error);
      }
    })();
  }, [api, loadKey, lastOpenTime === null, firstOpenTime === null]);

  // Indicators: the selected ones over the candles loaded so far.
  const indicatorKey = `${dataVersion}|${indicatorSpecs.join(',')}|${catalogue.data ? 'c' : ''}`;
  useEffect(() => {
    const chart = chartRef.current;
    const first = chart?.firstCandle();
    const last = chart?.lastCandle();
    if (!chart || !interval || !first || !last) {
      return;
    }
    const descriptions = catalogue.data ?? [];
    chart.setIndicatorSpecs(
      indicatorSpecs.map((key) => {
        const description = descriptions.find((each) => each.name === key.split(':')[0]);
        return {
          key,
          description,
          outputs: description?.outputs.map((output) => output.name) ?? ['value'],
        };
      }),
    );
    setIndicatorError(null);
    if (indicatorSpecs.length === 0) {
      return;
    }
    let cancelled = false;
    loadIndicators(
      api,
      {
        symbol,
        interval,
        names: indicatorSpecs.join(','),
        from: Date.parse(first.openTime),
        to: Date.parse(last.openTime),
      },
      (page) => !cancelled && chart.addIndicatorData(page),
    ).catch((error: unknown) => !cancelled && setIndicatorError(error));
    return () => {
      cancelled = true;
    };
  }, [api, indicatorKey]);

  useEffect(
    () => chartRef.current?.setForecast(prediction.data ?? null),
    [prediction.data, dataVersion],
  );

  // Older candles when the view reaches the first one.
  const olderBusy = useRef(false);
  useEffect(() => {
    const chart = chartRef.current;
    if (!chart || !interval || firstOpenTime === null) {
      return undefined;
    }
    return chart.onNeedOlder(() => {
      const first = chart.firstCandle();
      if (olderBusy.current || !first || Date.parse(first.openTime) <= firstOpenTime) {
        return;
      }
      olderBusy.current = true;
      setOlderState('loading');
      const step = intervalMs(interval);
      const to = Date.parse(first.openTime) - step;
      const from = Math.max(firstOpenTime, to - (PAGE_LIMIT - 1) * step);
      void (async () => {
        try {
          const older = await loadCandles(api, { symbol, interval, from, to });
          chart.prependCandles(older);
          const signals: Signal[] = await api.get(`/signals/${symbol}/history`, {
            interval,
            from,
            to,
            limit: 1000,
          });
          chart.addSignals(signals);
          if (indicatorSpecs.length > 0) {
            await loadIndicators(
              api,
              { symbol, interval, names: indicatorSpecs.join(','), from, to },
              (page) => chart.addIndicatorData(page),
            );
          }
          setOlderState(from <= firstOpenTime ? 'start' : 'idle');
          setCandleCount(chart.candleCount());
        } catch (error) {
          setChartError(error);
          setOlderState('idle');
        } finally {
          olderBusy.current = false;
        }
      })();
    });
  }, [api, loadKey, firstOpenTime, indicatorSpecs.join(',')]);

  // Live: a closing candle, a new forecast, a new signal.
  useSubscription<CandleClosed>({
    query: LIVE_QUERIES.candleClosed,
    field: 'candleClosed',
    variables: { symbol, interval: interval ?? '' },
    enabled: interval !== null,
    onError: setLiveError,
    onData: ({ candle }) => {
      const chart = chartRef.current;
      if (!chart || !interval || !chart.updateCandle(candle)) {
        return;
      }
      refreshLegend();
      if (indicatorSpecs.length > 0) {
        const time = Date.parse(candle.openTime);
        loadIndicators(
          api,
          { symbol, interval, names: indicatorSpecs.join(','), from: time, to: time },
          (page) => chart.addIndicatorData(page),
        ).catch((error: unknown) => setIndicatorError(error));
      }
    },
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
      chartRef.current?.addSignal(signal);
      latestSignals.setData((current) => [
        ...(current ?? []).filter((each) => each.strategyId !== signal.strategyId),
        signal,
      ]);
    },
  });

  const intervalLinks = symbolMarkets.map((each) => each.interval);
  const notReady =
    prediction.error instanceof ApiError &&
    (prediction.error.status === 503 || prediction.error.status === 404);
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
      <div class="toolbar">
        <div class="segmented" role="group" aria-label="Interval">
          {intervalLinks.map((each) => (
            <button
              type="button"
              key={each}
              class={each === interval ? 'active' : ''}
              onClick={() => setQuery({ interval: each, range: null })}
            >
              {each}
            </button>
          ))}
        </div>
        <div class="segmented" role="group" aria-label="Range">
          {Object.keys(RANGES).map((each) => (
            <button
              type="button"
              key={each}
              class={each === range ? 'active' : ''}
              onClick={() => setQuery({ range: each })}
            >
              {each}
            </button>
          ))}
        </div>
        <IndicatorPicker
          catalogue={catalogue.data ?? []}
          selected={indicatorSpecs}
          onChange={(specs) => setQuery({ ind: specs.length > 0 ? specs : ['-'] })}
        />
        <span class="admin-controls">
          <AdminAction
            label="Train model"
            title={`POST /admin/models/train {symbol: ${symbol}, interval: ${interval}}`}
            run={async () => [
              (await api.post<{ jobId: string }>('/admin/models/train', { symbol, interval }))
                .jobId,
            ]}
          />
        </span>
      </div>
      <ErrorBox error={chartError} />
      <ErrorBox error={indicatorError} compact />
      {liveError ? <ErrorBox error={new Error(`Live updates: ${liveError}`)} compact /> : null}
      <div class="chart-wrap">
        <div
          class="chart"
          ref={chartBox}
          data-testid="price-chart"
          data-candles={candleCount}
          data-last-time={lastTwo.last ? chartTime(lastTwo.last.openTime) : ''}
        />
        {olderState === 'loading' ? <span class="chart-note">loading older candles…</span> : null}
        {hover && hover.signals.some((signal) => signal.action !== 'HOLD') ? (
          <div
            class="tooltip"
            role="tooltip"
            data-testid="signal-tooltip"
            data-time={hover.time}
            style={{
              left: `${Math.min(hover.x + 14, (chartBox.current?.clientWidth ?? 600) - 280)}px`,
              top: `${hover.y + 14}px`,
            }}
          >
            <div class="muted">{formatTime(hover.time * 1000)} UTC</div>
            {hover.signals.map((signal) => (
              <div key={signal.strategyId}>
                <SignalLine signal={signal} />
                <SignalReasons signal={signal} />
              </div>
            ))}
          </div>
        ) : null}
      </div>
      <div class="market-side">
        <div class="card">
          <h2>
            Forecast {prediction.data ? <KindBadge prediction={prediction.data} /> : null}{' '}
            <span class="muted small">{interval}</span>
          </h2>
          {prediction.data ? (
            <>
              <p class="muted small">
                made at the close of {formatTime(prediction.data.openTime)} UTC, last close{' '}
                {formatPrice(prediction.data.lastClose)}
              </p>
              <ForecastTable prediction={prediction.data} />
            </>
          ) : notReady ? (
            <p class="muted">No forecast yet: {(prediction.error as Error).message}</p>
          ) : (
            <ErrorBox error={prediction.error} compact />
          )}
        </div>
        <div class="card">
          <h2>Latest signals</h2>
          <ErrorBox error={latestSignals.error} compact />
          {latestSignals.data?.length === 0 ? <p class="muted">No decision yet.</p> : null}
          {latestSignals.data?.map((signal) => (
            <SignalLine key={signal.strategyId} signal={signal} withReasons />
          ))}
        </div>
      </div>
    </section>
  );
}
