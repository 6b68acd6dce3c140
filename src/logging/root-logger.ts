import pino, { type Logger, type LoggerOptions } from 'pino';
import type { AppConfig } from '../config/app-config';

/**
 * The process's one pino logger: JSON lines in production, pretty lines on a terminal in
 * development (LOG_PRETTY overrides). Fastify's request logs and every class logger share it.
 */
export function createRootLogger(config: AppConfig, role: string): Logger {
  const pretty =
    config.get('LOG_PRETTY') ?? (config.get('NODE_ENV') === 'development' && process.stdout.isTTY);
  // JSON lines are buffered and written to stdout synchronously 4 KiB at a time (one write per
  // ~15 request lines under load), emptied at least every 200 ms and by `flushLogs()` before the
  // process exits. Synchronous on purpose: sonic-boom's asynchronous mode hands each write to the
  // libuv thread pool and re-measures its growing buffer on every line, which made the request
  // log line cost ~13 µs instead of ~5 µs in `npm run bench:http`; and a blocked stdout then
  // slows the service down instead of growing its memory.
  const destination = pretty ? undefined : pino.destination({ dest: 1, sync: true, minLength: 4096 });
  if (destination) {
    destinations.add(destination);
    setInterval(() => {
      try {
        destination.flush();
      } catch {
        // Not open yet, or nothing to write.
      }
    }, 200).unref();
  }
  const options: LoggerOptions = {
    level: config.get('LOG_LEVEL'),
    base: { role, pid: process.pid },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization'],
      censor: '[redacted]',
    },
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

const destinations = new Set<ReturnType<typeof pino.destination>>();

/** Writes out buffered log lines; call before `process.exit`. */
export function flushLogs(): void {
  for (const destination of destinations) {
    try {
      destination.flushSync();
    } catch {
      // Nothing buffered, or stdout already gone.
    }
  }
}
