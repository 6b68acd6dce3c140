import pino, { type Logger, type LoggerOptions } from 'pino';
import type { AppConfig } from '../config/app-config';

/**
 * The process's one pino logger: JSON lines in production, pretty lines on a terminal in
 * development (LOG_PRETTY overrides). Fastify's request logs and every class logger share it.
 */
export function createRootLogger(config: AppConfig, role: string): Logger {
  const pretty =
    config.get('LOG_PRETTY') ?? (config.get('NODE_ENV') === 'development' && process.stdout.isTTY);
  const destination = pretty ? undefined : new BatchedStdout();
  if (destination) {
    if (destinations.size === 0) {
      // Every way out (process.exit, an uncaught exception) writes what is still buffered.
      process.on('exit', flushLogs);
    }
    destinations.add(destination);
    setInterval(() => {
      try {
        destination.flush();
      } catch {
        // stdout gone: nothing to do.
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

/**
 * JSON lines gathered into blocks of at least 4 KiB (about 15 request lines) and handed to a
 * synchronous sonic-boom writer on stdout one block at a time; emptied at least every 200 ms and
 * by `flushLogs()` before the process exits.
 *
 * Why not sonic-boom's own buffering (`minLength`): it appends each line to one growing string and
 * takes that string's byte length on every line, so a line costs time in proportion to what is
 * already buffered (in `npm run bench:http` ~2 µs a request in `Buffer.byteLength` alone); its
 * asynchronous mode also sends every write through the libuv thread pool (~13 µs a request).
 * Handing it whole blocks keeps what it is good at: partial writes, EAGAIN on a full pipe, and
 * a synchronous flush at exit. Synchronous on purpose: a blocked stdout then slows the service
 * down instead of growing its memory.
 */
class BatchedStdout {
  private readonly out = pino.destination({ dest: 1, sync: true });
  private lines: string[] = [];
  private length = 0;

  write(line: string): boolean {
    this.lines.push(line);
    this.length += line.length;
    if (this.length >= 4096) {
      this.flush();
    }
    return true;
  }

  flush(): void {
    if (this.lines.length === 0) {
      return;
    }
    const block = this.lines.join('');
    this.lines = [];
    this.length = 0;
    this.out.write(block);
  }

  flushSync(): void {
    this.flush();
    this.out.flushSync();
  }
}

const destinations = new Set<BatchedStdout>();

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
