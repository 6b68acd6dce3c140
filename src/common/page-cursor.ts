import { ValidationException } from './app.exception';
import { MAX_TIME_MS } from './time-param';

/** The opaque `nextCursor` of a page ordered by time: where the next page starts. */
export function encodeTimeCursor(startMs: number): string {
  return Buffer.from(`t:${startMs}`).toString('base64url');
}

/** The start time a cursor from `encodeTimeCursor` names, or a 400 naming the field. */
export function decodeTimeCursor(cursor: string, field = 'cursor'): number {
  const match = /^t:(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || Number(match[1]) > MAX_TIME_MS) {
    throw new ValidationException([{ field, problem: 'is not a cursor this API returned' }]);
  }
  return Number(match[1]);
}
