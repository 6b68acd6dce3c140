import type { IChartApi, ISeriesApi, UTCTimestamp } from 'lightweight-charts';
import type { Candle } from '../api/types';
import { cssColor } from '../theme';
import type { SignalMarkers } from './market-chart-markers';
import { chartTime } from './market-chart-time';

/** What tests and the bench read off the chart (window.__cftChart while a market page is open). */
export interface ChartProbe {
  candleCount(): number;
  lastTime(): number | null;
  markerTimes(): number[];
  /** Where a candle's time and a price are drawn, in page coordinates (null when off screen). */
  pointOf(time: number, price: number): { x: number; y: number } | null;
  /**
   * Where the BUY / SELL marker of a candle is drawn, in page coordinates: null until the marker
   * is set and its candle is on screen. It moves while the chart scrolls or rescales (a new
   * candle, a new forecast band), so a test reads it until it holds still before hovering it.
   */
  markerPoint(time: number): { x: number; y: number } | null;
  colors(): { up: string; down: string };
}

declare global {
  interface Window {
    __cftChart?: ChartProbe;
  }
}

/** The chart's parts a probe reads (its candles are read through `loaded`, as they change). */
interface ProbedChart {
  chart: IChartApi;
  candles: ISeriesApi<'Candlestick'>;
  markers: SignalMarkers;
  container: HTMLElement;
  loaded: {
    candleCount(): number;
    lastCandle(): Candle | undefined;
    candleAt(time: number): { candle: Candle | undefined };
  };
}

/** The probe of one chart: reads its series and markers as they are when called. */
export function chartProbe({
  chart,
  candles,
  markers,
  container,
  loaded,
}: ProbedChart): ChartProbe {
  return {
    candleCount: () => loaded.candleCount(),
    lastTime: () => {
      const last = loaded.lastCandle();
      return last ? chartTime(last.openTime) : null;
    },
    markerTimes: () => markers.drawn().map((marker) => marker.time as number),
    pointOf: (time, price) => {
      const x = chart.timeScale().timeToCoordinate(time as UTCTimestamp);
      const y = candles.priceToCoordinate(price);
      if (x === null || y === null) {
        return null;
      }
      const box = container.getBoundingClientRect();
      return { x: box.left + x, y: box.top + y };
    },
    markerPoint: (time) => {
      const marker = markers.drawn().find((each) => each.time === time);
      const candle = loaded.candleAt(time).candle;
      if (!marker || !candle) {
        return null;
      }
      const x = chart.timeScale().timeToCoordinate(time as UTCTimestamp);
      const price =
        marker.position === 'aboveBar'
          ? candle.high
          : marker.position === 'belowBar'
            ? candle.low
            : candle.close;
      const barEdge = candles.priceToCoordinate(price);
      const paneHeight = chart.panes()[0]?.getHeight() ?? 0;
      if (x === null || barEdge === null || x < 0 || x > chart.timeScale().width()) {
        return null;
      }
      // Markers sit just past the bar's end (below a low, above a high).
      const offset = marker.position === 'aboveBar' ? -10 : marker.position === 'belowBar' ? 10 : 0;
      const y = Math.min(Math.max(barEdge + offset, 1), paneHeight - 1);
      const box = container.getBoundingClientRect();
      return { x: box.left + x, y: box.top + y };
    },
    colors: () => ({ up: cssColor('--up'), down: cssColor('--down') }),
  };
}
