import { ValidationException } from './app.exception';

export const MAX_TIME_MS = Date.UTC(2200, 0, 1);

/** A date-time with a time of day but no `Z` or offset: JavaScript would read it as local time. */
const NO_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/i;

/**
 * Reads `2021-01-01`, `2021-01-01T10:00:00Z`, `2021-01-01T12:00:00+02:00` or `1609459200000`;
 * a date-time without a zone is UTC (never the server's time zone). Anything else is a 400
 * naming the field.
 */
export function parseTime(value: string, field: string): number {
  const ms = /^\d{1,16}$/.test(value)
    ? Number(value)
    : NO_ZONE.test(value)
      ? Date.parse(`${value.replace(' ', 'T')}Z`)
      : /^\d{4}-\d{2}-\d{2}/.test(value)
        ? Date.parse(value)
        : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIME_MS) {
    throw new ValidationException([
      { field, problem: 'must be an ISO-8601 time or epoch milliseconds between 1970 and 2200' },
    ]);
  }
  return ms;
}
