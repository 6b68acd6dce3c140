import {
  createSeriesMarkers,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { Candle, Signal } from '../api/types';
import { cssColor } from '../theme';
import { chartTime } from './market-chart-time';

/**
 * The market chart's decisions by candle time, drawn as BUY / SELL markers on the candles (HOLDs
 * are kept for the tooltip but draw no marker).
 */
export class SignalMarkers {
  private signals = new Map<number, Signal[]>();
  private readonly plugin: ISeriesMarkersPluginApi<Time>;

  constructor(
    candles: ISeriesApi<'Candlestick'>,
    private readonly container: HTMLElement,
  ) {
    this.plugin = createSeriesMarkers(candles, []);
  }

  /** Forgets every decision (`add` the new ones, then `draw`). */
  clear(): void {
    this.signals = new Map();
  }

  /** A decision, replacing its strategy's earlier one at the same time (call `draw` after). */
  add(signal: Signal): void {
    const time = chartTime(signal.openTime);
    const list = (this.signals.get(time) ?? []).filter(
      (each) => each.strategyId !== signal.strategyId,
    );
    this.signals.set(time, [...list, signal]);
  }

  at(time: number): Signal[] {
    return this.signals.get(time) ?? [];
  }

  /** The markers as drawn. */
  drawn(): readonly SeriesMarker<Time>[] {
    return this.plugin.markers();
  }

  /** Markers from `first` (the first candle loaded) on. */
  draw(first: Candle | undefined): void {
    const up = cssColor('--up');
    const down = cssColor('--down');
    const firstTime = first ? chartTime(first.openTime) : Number.POSITIVE_INFINITY;
    const markers: SeriesMarker<Time>[] = [];
    for (const [time, signals] of [...this.signals.entries()].sort((a, b) => a[0] - b[0])) {
      const buy = signals.some((signal) => signal.action === 'BUY');
      const sell = signals.some((signal) => signal.action === 'SELL');
      if ((!buy && !sell) || time < firstTime) {
        continue;
      }
      const both = buy && sell;
      markers.push({
        id: String(time),
        time: time as UTCTimestamp,
        position: both ? 'inBar' : buy ? 'belowBar' : 'aboveBar',
        shape: both ? 'circle' : buy ? 'arrowUp' : 'arrowDown',
        color: both ? cssColor('--accent') : buy ? up : down,
        text: both ? 'B/S' : buy ? 'B' : 'S',
      });
    }
    this.plugin.setMarkers(markers);
    this.container.dataset.markers = String(markers.length);
  }
}
