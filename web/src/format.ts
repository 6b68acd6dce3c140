/** Number and time formatting shared by the pages (UTC everywhere: candles are UTC). */

const priceFormats = new Map<number, Intl.NumberFormat>();

/** A price with as many decimals as its size needs (30,123.4; 1.2345; 0.000123). */
export function formatPrice(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '–';
  }
  const magnitude = Math.abs(value);
  const decimals = magnitude >= 1000 ? 1 : magnitude >= 1 ? 3 : magnitude >= 0.01 ? 5 : 8;
  let format = priceFormats.get(decimals);
  if (!format) {
    format = new Intl.NumberFormat('en-US', {
      maximumFractionDigits: decimals,
      minimumFractionDigits: Math.min(decimals, 2),
    });
    priceFormats.set(decimals, format);
  }
  return format.format(value);
}

/** A fraction as a signed percentage: +1.23%. */
export function formatChange(fraction: number | null | undefined, digits = 2): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) {
    return '–';
  }
  return `${fraction > 0 ? '+' : ''}${(fraction * 100).toFixed(digits)}%`;
}

export function formatPercent(fraction: number, digits = 0): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** `2022-09-30 23:00` (UTC). */
export function formatTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) {
    return '–';
  }
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
}

/** 850 ms, 12 s, 3 min, 5 h, 2 d. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) {
    return '–';
  }
  const abs = Math.abs(ms);
  if (abs < 1000) {
    return `${Math.round(ms)} ms`;
  }
  if (abs < 60_000) {
    return `${Math.round(ms / 1000)} s`;
  }
  if (abs < 3_600_000) {
    return `${Math.round(ms / 60_000)} min`;
  }
  if (abs < 86_400_000) {
    return `${(ms / 3_600_000).toFixed(1)} h`;
  }
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

const INTERVAL_UNITS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds of an exchange interval: `1m`, `15m`, `1h`, `1d`, `1w`. */
export function intervalMs(interval: string): number {
  const match = /^(\d+)([mhdw])$/.exec(interval);
  const unit = match ? INTERVAL_UNITS[match[2] ?? ''] : undefined;
  if (!match || unit === undefined) {
    throw new Error(`Unknown interval ${interval}`);
  }
  return Number(match[1]) * unit;
}
