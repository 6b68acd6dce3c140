import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  LineStyle,
  createChart,
  type IChartApi,
  type ISeriesApi,
  type LogicalRange,
  type MouseEventParams,
  type Time,
} from 'lightweight-charts';
import type { Candle, IndicatorsPage, Prediction, Signal } from '../api/types';
import { cssColor } from '../theme';
import { IndicatorPlots, type IndicatorSpec } from './market-chart-indicators';
import { SignalMarkers } from './market-chart-markers';
import { chartProbe, type ChartProbe } from './market-chart-probe';
import { chartTime } from './market-chart-time';

/**
 * The market page's chart (TradingView lightweight-charts): candles with volume beneath, indicator
 * overlays and panes, the forecast band past the last candle, and BUY / SELL markers. Imperative
 * on purpose: thousands of points go straight to the library, never through component state.
 */
export class MarketChart {
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  private readonly markers: SignalMarkers;
  private readonly forecast: {
    upper: ISeriesApi<'Line'>;
    median: ISeriesApi<'Line'>;
    lower: ISeriesApi<'Line'>;
  };
  private readonly indicators: IndicatorPlots;
  private readonly probe: ChartProbe;
  private candleData: Candle[] = [];
  /** Index in `candleData` by chart time (seconds), for the crosshair. */
  private candleIndex = new Map<number, number>();
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
    this.markers = new SignalMarkers(this.candles, container);
    this.indicators = new IndicatorPlots(this.chart);
    this.probe = chartProbe({
      chart: this.chart,
      candles: this.candles,
      markers: this.markers,
      container,
      loaded: this,
    });
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
    this.indicators.applyTheme();
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
  setIndicatorSpecs(specs: IndicatorSpec[]): void {
    this.indicators.setSpecs(specs);
  }

  /** A page of indicator values (any range: merged with what is drawn by time). */
  addIndicatorData(page: IndicatorsPage): void {
    this.indicators.addData(page);
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
    this.markers.clear();
    signals.forEach((signal) => this.markers.add(signal));
    this.drawMarkers();
  }

  addSignal(signal: Signal): void {
    this.markers.add(signal);
    this.drawMarkers();
  }

  /** Decisions of another range (older candles paged in). */
  addSignals(signals: Signal[]): void {
    signals.forEach((signal) => this.markers.add(signal));
    this.drawMarkers();
  }

  candleCount(): number {
    return this.candleData.length;
  }

  signalsAt(time: number): Signal[] {
    return this.markers.at(time);
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
    this.markers.draw(this.candleData[0]);
  }
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
