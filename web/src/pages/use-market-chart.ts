import type { MouseEventParams, Time } from 'lightweight-charts';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/rest';
import type { Candle, IndicatorDescription, Market, Prediction, Signal } from '../api/types';
import { intervalMs } from '../format';
import type { Theme } from '../theme';
import { MarketChart } from './market-chart';
import { chartTime } from './market-chart-time';
import type { Hover } from './market-hover';
import {
  MAX_INITIAL_CANDLES,
  PAGE_LIMIT,
  RANGES,
  loadCandles,
  loadIndicators,
} from './market-loaders';

/**
 * The market page's chart, kept in step with the page: candles, signals and indicators of the
 * market, interval and range, older candles as the view scrolls back, the forecast band, and the
 * crosshair's candle. Live events come in through `closeCandle` and `addSignal`.
 */
export function useMarketChart({
  api,
  theme,
  symbol,
  interval,
  range,
  market,
  indicatorSpecs,
  catalogue,
  prediction,
}: {
  api: ApiClient;
  theme: Theme;
  symbol: string;
  interval: string | null;
  range: string;
  market: Market | undefined;
  indicatorSpecs: string[];
  catalogue: IndicatorDescription[] | undefined;
  prediction: Prediction | undefined;
}) {
  const chartBox = useRef<HTMLDivElement>(null);
  const chartRef = useRef<MarketChart | null>(null);
  const [chartError, setChartError] = useState<unknown>(null);
  const [indicatorError, setIndicatorError] = useState<unknown>(null);
  const [lastTwo, setLastTwo] = useState<{ last?: Candle; previous?: Candle }>({});
  const [hover, setHover] = useState<Hover | null>(null);
  const [olderState, setOlderState] = useState<'idle' | 'loading' | 'start'>('idle');
  const [candleCount, setCandleCount] = useState(0);
  /** Bumped each time a new set of candles replaces the chart's (indicators and band follow). */
  const [dataVersion, setDataVersion] = useState(0);

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
  const indicatorKey = `${dataVersion}|${indicatorSpecs.join(',')}|${catalogue ? 'c' : ''}`;
  useEffect(() => {
    const chart = chartRef.current;
    const first = chart?.firstCandle();
    const last = chart?.lastCandle();
    if (!chart || !interval || !first || !last) {
      return;
    }
    const descriptions = catalogue ?? [];
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

  useEffect(() => chartRef.current?.setForecast(prediction ?? null), [prediction, dataVersion]);

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

  /** A candle that closed (live): drawn, then its indicator values. */
  const closeCandle = (candle: Candle) => {
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
  };

  return {
    chartBox,
    hover,
    lastTwo,
    candleCount,
    olderState,
    chartError,
    indicatorError,
    closeCandle,
    addSignal: (signal: Signal) => chartRef.current?.addSignal(signal),
  };
}
