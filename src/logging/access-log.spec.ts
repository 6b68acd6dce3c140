import pino from 'pino';
import { createAccessLog, type AccessLogEntry } from './access-log';

function capture(level = 'info') {
  const lines: string[] = [];
  const logger = pino(
    { level, base: { role: 'api', pid: 4242 } },
    { write: (line: string) => void lines.push(line) },
  );
  return { logger, lines };
}

/** What pino writes for the same request line (the way the service logged it before). */
function viaPino(entry: AccessLogEntry): string {
  const { logger, lines } = capture();
  logger.info(
    { ...entry, durationMs: Math.round(entry.durationMs * 100) / 100 },
    `${entry.method} ${entry.url} ${entry.statusCode} in ${entry.durationMs.toFixed(1)} ms`,
  );
  return lines[0] ?? '';
}

describe('createAccessLog', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.UTC(2026, 11, 2, 6, 0, 0) }));
  afterEach(() => jest.useRealTimers());

  const entries: [string, AccessLogEntry][] = [
    [
      'an authenticated request',
      {
        requestId: '5b0c5d2e-7d1f-4c55-9a51-0d6f0b7c1e11',
        method: 'GET',
        url: '/predict/BTC?interval=1h',
        route: '/predict/:symbol',
        statusCode: 200,
        durationMs: 1.23456,
        apiKey: 'cft_abcdefgh',
      },
    ],
    [
      'an anonymous request with characters JSON must escape',
      {
        requestId: 'client-id:1',
        method: 'POST',
        url: '/candles/"quoted"\\back\u0001\u2028/é?q=\n',
        route: 'unmatched',
        statusCode: 404,
        durationMs: 0.004,
      },
    ],
  ];

  it.each(entries)('writes exactly the line pino writes: %s', (_name, entry) => {
    const { logger, lines } = capture();
    createAccessLog(logger)(entry);
    expect(lines).toEqual([viaPino(entry)]);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 30,
      role: 'api',
      pid: 4242,
      url: entry.url,
    });
  });

  it('writes nothing when the level is above info, and follows level changes', () => {
    const { logger, lines } = capture('warn');
    const log = createAccessLog(logger);
    const entry = entries[0]?.[1] as AccessLogEntry;
    log(entry);
    expect(lines).toEqual([]);
    logger.level = 'debug';
    log(entry);
    expect(lines).toHaveLength(1);
  });
});
