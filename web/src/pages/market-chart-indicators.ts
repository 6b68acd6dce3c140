import {
  HistogramSeries,
  LineSeries,
  type IChartApi,
  type ISeriesApi,
  type LineData,
} from 'lightweight-charts';
import type { IndicatorDescription, IndicatorsPage } from '../api/types';
import { cssColor } from '../theme';
import { chartTime } from './market-chart-time';

/** An indicator to draw: its spec (`bb:20,2`), what the catalogue says of it, its outputs. */
export interface IndicatorSpec {
  key: string;
  description: IndicatorDescription | undefined;
  outputs: string[];
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

/** The market chart's indicators: overlays on the price scale, panes beneath for the rest. */
export class IndicatorPlots {
  private plots: IndicatorPlot[] = [];

  constructor(private readonly chart: IChartApi) {}

  /** Colours come from the page's CSS custom properties: call again after a theme change. */
  applyTheme(): void {
    this.plots.forEach((plot, index) =>
      [...plot.series.values()].forEach((series, outputIndex) =>
        series.applyOptions({
          color: cssColor(PALETTE[(index + outputIndex) % PALETTE.length] ?? '--accent'),
        }),
      ),
    );
  }

  /** The indicators to show, replacing the previous ones (data comes with `addData`). */
  setSpecs(specs: IndicatorSpec[]): void {
    for (const plot of this.plots) {
      plot.series.forEach((series) => this.chart.removeSeries(series));
    }
    for (let pane = this.chart.panes().length - 1; pane > 0; pane--) {
      this.chart.removePane(pane);
    }
    let nextPane = 1;
    this.plots = specs.map((spec, index) => {
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
  addData(page: IndicatorsPage): void {
    const times = page.openTimes.map(chartTime);
    for (const indicator of page.indicators) {
      const plot = this.plots.find((each) => each.key === indicator.key);
      if (!plot) {
        continue;
      }
      for (const output of indicator.outputs) {
        const series = plot.series.get(output.name);
        if (!series) {
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
}
