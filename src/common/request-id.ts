import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's own `x-request-id` is kept when it is sane; otherwise a fresh UUID. */
export function requestIdFor(raw: IncomingMessage): string {
  const header = raw.headers['x-request-id'];
  const id = typeof header === 'string' && VALID_REQUEST_ID.test(header) ? header : randomUUID();
  // pino-http / nestjs-pino read `req.id` from the raw request.
  (raw as IncomingMessage & { id?: string }).id = id;
  return id;
}
