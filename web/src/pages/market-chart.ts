import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  LineStyle,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LineData,
  type LogicalRange,
  type MouseEventParams,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type {
  Candle,
  IndicatorDescription,
  IndicatorsPage,
  Prediction,
  Signal,
} from '../api/types';
import { cssColor } from '../theme';

/** Seconds since the epoch, as lightweight-charts wants time. */
export const chartTime = (iso: string | number): UTCTimestamp =>
  Math.floor((typeof iso === 'number' ? iso : Date.parse(iso)) / 1000) as UTCTimestamp;

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

interface IndicatorPlot {
  key: string;
  pane: number;
  series: Map<string, ISeriesApi<'Line'> | ISeriesApi<'Histogram'>>;
  data: Map<string, LineData[]>;
}

const PALETTE = [
  '--series-1',
  '--series-2',
  '--series-3',
  '--series-4',
  '--series-5',
  '--series-6',
];

/** Indicator outputs drawn over the candles (same price scale); the rest get a pane each. */
function isPriceOutput(description: IndicatorDescription | undefined, output: string): boolean {
  const declared = description?.outputs.find((each) => each.name === output)?.unit;
  if (declared !== undefined) {
    return declared === 'price';
  }
  return (
    description?.category === 'trend' ||
    ['bb', 'vwap', 'psar', 'ichimoku'].includes(description?.name ?? '')
  );
}

/**
 * The market page's chart (TradingView lightweight-charts): candles with volume beneath, indicator
 * overlays and panes, the forecast band past the last candle, and BUY / SELL markers. Imperative
 * on purpose: thousands of points go straight to the library, never through component state.
 */
export class MarketChart {
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  private readonly markers: ISeriesMarkersPluginApi<Time>;
  private readonly forecast: {
    upper: ISeriesApi<'Line'>;
    median: ISeriesApi<'Line'>;
    lower: ISeriesApi<'Line'>;
  };
  private candleData: Candle[] = [];
  /** Index in `candleData` by chart time (seconds), for the crosshair. */
  private candleIndex = new Map<number, number>();
  private signals = new Map<number, Signal[]>();
  private indicators: IndicatorPlot[] = [];
  private readonly olderListeners = new Set<() => void>();

  constructor(private readonly container: HTMLElement) {
    this.chart = createChart(container, {
      autoSize: true,
      crosshair: { mode: CrosshairMode.Normal },
      timeScale: { timeVisible: true, secondsVisible: false, rightOffset: 6 },
      layout: { attributionLogo: true },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      borderVisible: false,
      priceLineVisible: true,
    });
    this.candles.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
    this.volume = this.chart.addSeries(HistogramSeries, {
      priceFormat: { type: 'volume' },
      priceScaleId: 'volume',
      lastValueVisible: false,
      priceLineVisible: false,
    });
    this.volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    const band = {
      lastValueVisible: false,
      priceLineVisible: false,
      crosshairMarkerVisible: false,
      lineWidth: 1,
    } as const;
    this.forecast = {
      upper: this.chart.addSeries(LineSeries, {
        ...band,
        lineStyle: LineStyle.Dashed,
        title: '90%',
      }),
      median: this.chart.addSeries(LineSeries, { ...band, lineWidth: 2, title: 'forecast' }),
      lower: this.chart.addSeries(LineSeries, {
        ...band,
        lineStyle: LineStyle.Dashed,
        title: '10%',
      }),
    };
    this.markers = createSeriesMarkers(this.candles, []);
    this.chart.timeScale().subscribeVisibleLogicalRangeChange(this.onRange);
    this.applyTheme();
    window.__cftChart = this.probe;
  }

  /** Colours come from the page's CSS custom properties: call again after a theme change. */
  applyTheme(): void {
    const up = cssColor('--up');
    const down = cssColor('--down');
    const grid = cssColor('--grid');
    this.chart.applyOptions({
      layout: {
        background: { type: ColorType.Solid, color: cssColor('--bg') },
        textColor: cssColor('--muted'),
        panes: { separatorColor: grid },
      },
      grid: { vertLines: { color: grid }, horzLines: { color: grid } },
      rightPriceScale: { borderColor: grid },
      timeScale: { borderColor: grid },
    });
    this.candles.applyOptions({
      upColor: up,
      downColor: down,
      wickUpColor: up,
      wickDownColor: down,
    });
    const bandColor = cssColor('--band');
    this.forecast.upper.applyOptions({ color: bandColor });
    this.forecast.lower.applyOptions({ color: bandColor });
    this.forecast.median.applyOptions({ color: cssColor('--accent') });
    this.indicators.forEach((plot, index) =>
      [...plot.series.values()].forEach((series, outputIndex) =>
        series.applyOptions({
          color: cssColor(PALETTE[(index + outputIndex) % PALETTE.length] ?? '--accent'),
        }),
      ),
    );
    this.setVolume();
    this.drawMarkers();
  }

  destroy(): void {
    this.chart.timeScale().unsubscribeVisibleLogicalRangeChange(this.onRange);
    this.chart.remove();
    if (window.__cftChart === this.probe) {
      delete window.__cftChart;
    }
  }

  /** All candles (ascending); the view shows the newest. */
  setCandles(candles: Candle[]): void {
    this.candleData = candles;
    this.candleIndex = new Map(candles.map((candle, index) => [chartTime(candle.openTime), index]));
    this.candles.setData(candles.map(toBar));
    this.setVolume();
    this.drawMarkers();
  }

  /** Older candles before the first shown, keeping the view where it is. */
  prependCandles(older: Candle[]): void {
    const first = this.candleData[0];
    const fresh = first
      ? older.filter((candle) => Date.parse(candle.openTime) < Date.parse(first.openTime))
      : older;
    if (fresh.length === 0) {
      return;
    }
    const range = this.chart.timeScale().getVisibleLogicalRange();
    this.setCandles([...fresh, ...this.candleData]);
    if (range) {
      this.chart
        .timeScale()
        .setVisibleLogicalRange({ from: range.from + fresh.length, to: range.to + fresh.length });
    }
  }

  /** A candle that closed (a new one, or the last one again). */
  updateCandle(candle: Candle): boolean {
    const last = this.candleData[this.candleData.length - 1];
    const time = Date.parse(candle.openTime);
    if (last && time < Date.parse(last.openTime)) {
      return false;
    }
    if (last && time === Date.parse(last.openTime)) {
      this.candleData[this.candleData.length - 1] = candle;
    } else {
      this.candleData.push(candle);
      this.candleIndex.set(chartTime(candle.openTime), this.candleData.length - 1);
    }
    this.candles.update(toBar(candle));
    this.volume.update(this.volumeBar(candle));
    return true;
  }

  lastCandle(): Candle | undefined {
    return this.candleData[this.candleData.length - 1];
  }

  firstCandle(): Candle | undefined {
    return this.candleData[0];
  }

  /** The candle at a chart time (seconds), and the one before it. */
  candleAt(time: number): { candle: Candle | undefined; previous: Candle | undefined } {
    const index = this.candleIndex.get(time);
    return index === undefined
      ? { candle: undefined, previous: undefined }
      : { candle: this.candleData[index], previous: this.candleData[index - 1] };
  }

  /** The indicators to show, replacing the previous ones (data comes with `addIndicatorData`). */
  setIndicatorSpecs(
    specs: { key: string; description: IndicatorDescription | undefined; outputs: string[] }[],
  ): void {
    for (const plot of this.indicators) {
      plot.series.forEach((series) => this.chart.removeSeries(series));
    }
    for (let pane = this.chart.panes().length - 1; pane > 0; pane--) {
      this.chart.removePane(pane);
    }
    let nextPane = 1;
    this.indicators = specs.map((spec, index) => {
      const inPane = spec.outputs.some((output) => !isPriceOutput(spec.description, output));
      const pane = inPane ? nextPane++ : 0;
      const series = new Map<string, ISeriesApi<'Line'> | ISeriesApi<'Histogram'>>();
      spec.outputs.forEach((output, outputIndex) => {
        const color = cssColor(PALETTE[(index + outputIndex) % PALETTE.length] ?? '--accent');
        const options = {
          color,
          lastValueVisible: false,
          priceLineVisible: false,
          title: outputIndex === 0 ? spec.key : output,
          lineWidth: 1,
        } as const;
        series.set(
          output,
          output === 'histogram' && inPane
            ? this.chart.addSeries(HistogramSeries, options, pane)
            : this.chart.addSeries(LineSeries, options, pane),
        );
      });
      return { key: spec.key, pane, series, data: new Map() };
    });
    this.chart.panes().forEach((pane, index) => {
      if (index > 0) {
        pane.setHeight(110);
      }
    });
  }

  /** A page of indicator values (any range: merged with what is drawn by time). */
  addIndicatorData(page: IndicatorsPage): void {
    const times = page.openTimes.map(chartTime);
    for (const indicator of page.indicators) {
      const plot = this.indicators.find((each) => each.key === indicator.key);
      if (!plot) {
        continue;
      }
      for (const output of indicator.outputs) {
        const series = plot.series.get(output.name);
        if (!series || !output.values) {
          continue;
        }
        const points: LineData[] = [];
        output.values.forEach((value, index) => {
          const time = times[index];
          if (value !== null && time !== undefined) {
            points.push({ time, value });
          }
        });
        const merged = new Map<number, LineData>();
        for (const point of [...(plot.data.get(output.name) ?? []), ...points]) {
          merged.set(point.time as number, point);
        }
        const data = [...merged.values()].sort((a, b) => (a.time as number) - (b.time as number));
        plot.data.set(output.name, data);
        series.setData(data);
      }
    }
  }

  /** The forecast band from the last close to each horizon (nothing when `prediction` is null). */
  setForecast(prediction: Prediction | null): void {
    const last = this.lastCandle();
    if (!prediction || !last) {
      this.forecast.upper.setData([]);
      this.forecast.median.setData([]);
      this.forecast.lower.setData([]);
      return;
    }
    const anchorTime = chartTime(prediction.openTime);
    const anchor = { time: anchorTime, value: prediction.lastClose };
    const horizons = [...prediction.horizons].sort((a, b) => a.horizon - b.horizon);
    const line = (pick: (h: (typeof horizons)[number]) => number) => [
      anchor,
      ...horizons.map((horizon) => ({ time: chartTime(horizon.targetTime), value: pick(horizon) })),
    ];
    this.forecast.upper.setData(line((h) => h.upperClose));
    this.forecast.median.setData(line((h) => h.predictedClose));
    this.forecast.lower.setData(line((h) => h.lowerClose));
  }

  /** Every decision to mark (HOLDs are kept for the tooltip but draw no marker). */
  setSignals(signals: Signal[]): void {
    this.signals = new Map();
    for (const signal of signals) {
      this.addSignal(signal, false);
    }
    this.drawMarkers();
  }

  addSignal(signal: Signal, redraw = true): void {
    const time = chartTime(signal.openTime);
    const list = (this.signals.get(time) ?? []).filter(
      (each) => each.strategyId !== signal.strategyId,
    );
    this.signals.set(time, [...list, signal]);
    if (redraw) {
      this.drawMarkers();
    }
  }

  /** Decisions of another range (older candles paged in). */
  addSignals(signals: Signal[]): void {
    signals.forEach((signal) => this.addSignal(signal, false));
    this.drawMarkers();
  }

  candleCount(): number {
    return this.candleData.length;
  }

  signalsAt(time: number): Signal[] {
    return this.signals.get(time) ?? [];
  }

  onCrosshair(handler: (params: MouseEventParams<Time>) => void): () => void {
    this.chart.subscribeCrosshairMove(handler);
    return () => this.chart.unsubscribeCrosshairMove(handler);
  }

  /** Called when the view nears the first candle: time to load older ones. */
  onNeedOlder(listener: () => void): () => void {
    this.olderListeners.add(listener);
    return () => this.olderListeners.delete(listener);
  }

  private readonly onRange = (range: LogicalRange | null) => {
    if (range && range.from < 15 && this.candleData.length > 0) {
      this.olderListeners.forEach((listener) => listener());
    }
  };

  private volumeBar(candle: Candle) {
    return {
      time: chartTime(candle.openTime),
      value: candle.volume,
      color: candle.close >= candle.open ? cssColor('--up-soft') : cssColor('--down-soft'),
    };
  }

  private setVolume(): void {
    const up = cssColor('--up-soft');
    const down = cssColor('--down-soft');
    this.volume.setData(
      this.candleData.map((candle) => ({
        time: chartTime(candle.openTime),
        value: candle.volume,
        color: candle.close >= candle.open ? up : down,
      })),
    );
  }

  private drawMarkers(): void {
    const up = cssColor('--up');
    const down = cssColor('--down');
    const first = this.candleData[0];
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
    this.markers.setMarkers(markers);
    this.container.dataset.markers = String(markers.length);
  }

  private readonly probe: ChartProbe = {
    candleCount: () => this.candleCount(),
    lastTime: () => {
      const last = this.lastCandle();
      return last ? chartTime(last.openTime) : null;
    },
    markerTimes: () => this.markers.markers().map((marker) => marker.time as number),
    pointOf: (time, price) => {
      const x = this.chart.timeScale().timeToCoordinate(time as UTCTimestamp);
      const y = this.candles.priceToCoordinate(price);
      if (x === null || y === null) {
        return null;
      }
      const box = this.container.getBoundingClientRect();
      return { x: box.left + x, y: box.top + y };
    },
    markerPoint: (time) => {
      const marker = this.markers.markers().find((each) => each.time === time);
      const candle = this.candleAt(time).candle;
      if (!marker || !candle) {
        return null;
      }
      const x = this.chart.timeScale().timeToCoordinate(time as UTCTimestamp);
      const price =
        marker.position === 'aboveBar'
          ? candle.high
          : marker.position === 'belowBar'
            ? candle.low
            : candle.close;
      const barEdge = this.candles.priceToCoordinate(price);
      const paneHeight = this.chart.panes()[0]?.getHeight() ?? 0;
      if (x === null || barEdge === null || x < 0 || x > this.chart.timeScale().width()) {
        return null;
      }
      // Markers sit just past the bar's end (below a low, above a high).
      const offset = marker.position === 'aboveBar' ? -10 : marker.position === 'belowBar' ? 10 : 0;
      const y = Math.min(Math.max(barEdge + offset, 1), paneHeight - 1);
      const box = this.container.getBoundingClientRect();
      return { x: box.left + x, y: box.top + y };
    },
    colors: () => ({ up: cssColor('--up'), down: cssColor('--down') }),
  };
}

function toBar(candle: Candle) {
  return {
    time: chartTime(candle.openTime),
    open: candle.open,
    high: candle.high,
    low: candle.low,
    close: candle.close,
  };
}
