import pino, { type Logger } from 'pino';

/** What the one line per request records. */
export interface AccessLogEntry {
  requestId: string;
  method: string;
  url: string;
  route: string;
  statusCode: number;
  durationMs: number;
  /** The visible prefix of the caller's API key, when it sent a known one. */
  apiKey?: string;
}

/**
 * The request line, written to the root logger's own destination in exactly the JSON pino writes
 * for `logger.info(fields, message)` (level, time, the logger's base fields, then the entry and
 * `msg`), but assembled directly: pino's generic path (walking the object's keys, checking each
 * for serializers, escaping each value, concatenating the line piece by piece) cost ~8,000 more
 * of the ~166,000 main-thread instructions a `GET /me` costs the service (callgrind), for a line
 * whose fields are always the same. Strings that come from the client (the
 * URL, the request id) are escaped by `JSON.stringify`, as pino does for any string it cannot
 * prove safe. The logger's level still decides: below `info`, nothing is written.
 */
export function createAccessLog(logger: Logger): (entry: AccessLogEntry) => void {
  // pino's own state, exported as `pino.symbols` for this kind of use: the destination, the
  // timestamp function and the base fields already serialized.
  const internals = logger as unknown as Record<symbol, unknown>;
  const stream = internals[pino.symbols.streamSym] as { write(line: string): unknown };
  const time = internals[pino.symbols.timeSym] as () => string;
  const bindings = internals[pino.symbols.chindingsSym] as string;
  const info = logger.levels.values.info as number;
  return (entry) => {
    if (logger.levelVal > info) {
      return;
    }
    const { method, url, statusCode, durationMs } = entry;
    const message = `${method} ${url} ${statusCode} in ${durationMs.toFixed(1)} ms`;
    stream.write(
      `{"level":${info}${time()}${bindings},"requestId":${JSON.stringify(entry.requestId)},` +
        `"method":${JSON.stringify(method)},"url":${JSON.stringify(url)},` +
        `"route":${JSON.stringify(entry.route)},"statusCode":${statusCode},` +
        `"durationMs":${Math.round(durationMs * 100) / 100}` +
        (entry.apiKey === undefined ? '' : `,"apiKey":${JSON.stringify(entry.apiKey)}`) +
        `,"msg":${JSON.stringify(message)}}\n`,
    );
  };
}
