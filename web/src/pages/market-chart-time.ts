import type { UTCTimestamp } from 'lightweight-charts';

/** Seconds since the epoch, as lightweight-charts wants time. */
export const chartTime = (iso: string | number): UTCTimestamp =>
  Math.floor((typeof iso === 'number' ? iso : Date.parse(iso)) / 1000) as UTCTimestamp;
