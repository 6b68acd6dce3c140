import {
  ColorType,
  LineSeries,
  createChart,
  type IChartApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef } from 'preact/hooks';
import { cssColor, useTheme } from '../theme';

export interface LineSpec {
  label: string;
  /** A CSS custom property (`--series-1`). */
  color: string;
  /** `[epoch ms, value]`, in time order. */
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
}

/**
 * Lines over time (lightweight-charts): equity curves, drawdowns. Once the chart has data,
 * `data-drawn` (points drawn) and `data-last` (each line's last value) are set, for tests; the key
 * above it names each line.
 */
export function LineChart({
  lines,
  testId,
  short,
  percent,
}: {
  lines: LineSpec[];
  testId: string;
  short?: boolean;
  percent?: boolean;
}) {
  const container = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const { theme } = useTheme();
  useEffect(() => {
    const element = container.current;
    if (!element) {
      return undefined;
    }
    const chart = createChart(element, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: cssColor('--bg') },
        textColor: cssColor('--muted'),
        attributionLogo: false,
      },
      grid: {
        vertLines: { color: cssColor('--grid') },
        horzLines: { color: cssColor('--grid') },
      },
      rightPriceScale: { borderColor: cssColor('--border') },
      timeScale: { borderColor: cssColor('--border'), timeVisible: true, secondsVisible: false },
      localization: percent
        ? { priceFormatter: (value: number) => `${(value * 100).toFixed(1)}%` }
        : {},
    });
    chartRef.current = chart;
    let drawn = 0;
    const lastValues: Record<string, number | null> = {};
    for (const line of lines) {
      const series = chart.addSeries(LineSeries, {
        color: cssColor(line.color),
        lineWidth: 2,
        lineStyle: line.dashed ? 2 : 0,
        priceLineVisible: false,
        title: line.label,
      });
      const seen = new Set<number>();
      const data: { time: UTCTimestamp; value: number }[] = [];
      for (const [time, value] of line.points) {
        const seconds = Math.floor(time / 1000);
        if (!seen.has(seconds) && Number.isFinite(value)) {
          seen.add(seconds);
          data.push({ time: seconds as UTCTimestamp, value });
        }
      }
      data.sort((a, b) => a.time - b.time);
      series.setData(data);
      drawn += data.length;
      lastValues[line.label] = data[data.length - 1]?.value ?? null;
    }
    chart.timeScale().fitContent();
    if (drawn > 0) {
      element.dataset.drawn = String(drawn);
      element.dataset.last = JSON.stringify(lastValues);
    }
    return () => {
      delete element.dataset.drawn;
      delete element.dataset.last;
      chart.remove();
      chartRef.current = null;
    };
  }, [lines, theme, percent]);
  return (
    <div>
      <div class="series-key">
        {lines.map((line) => (
          <span key={line.label}>
            <i style={{ background: `var(${line.color})` }} />
            {line.label}
          </span>
        ))}
      </div>
      <div
        ref={container}
        class={short ? 'equity-chart short' : 'equity-chart'}
        data-testid={testId}
      />
    </div>
  );
}

/** Drawdown from the running peak at each point (0 at a peak, -0.2 for 20% below it). */
export function drawdownOf(points: readonly (readonly [number, number])[]): [number, number][] {
  let peak = -Infinity;
  return points.map(([time, equity]) => {
    peak = Math.max(peak, equity);
    return [time, peak > 0 ? equity / peak - 1 : 0];
  });
}
