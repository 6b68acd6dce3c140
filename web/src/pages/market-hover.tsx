import type { RefObject } from 'preact';
import type { Candle, Signal } from '../api/types';
import { SignalLine, SignalReasons } from '../components/signals';
import { formatChange, formatPrice, formatTime } from '../format';

/** Where the crosshair is on the market chart, and what is drawn there. */
export interface Hover {
  x: number;
  y: number;
  time: number;
  candle: Candle | undefined;
  previous: Candle | undefined;
  signals: Signal[];
}

/** One candle's figures (the hovered one, else the last) and its change on the one before. */
export function Legend({
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

/** The BUY / SELL decisions of the hovered candle with their reasons (nothing for HOLDs only). */
export function SignalTooltip({
  hover,
  chartBox,
}: {
  hover: Hover | null;
  chartBox: RefObject<HTMLDivElement | null>;
}) {
  if (!hover || !hover.signals.some((signal) => signal.action !== 'HOLD')) {
    return null;
  }
  return (
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
  );
}
