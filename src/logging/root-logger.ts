import pino, { type Logger } from 'pino';
import type { AppConfig } from '../config/app-config';

/**
 * The process's one pino logger: JSON lines in production, pretty lines on a terminal in
 * development (LOG_PRETTY overrides). Fastify's request logs and every class logger share it.
 */
export function createRootLogger(config: AppConfig, role: string): Logger {
  const pretty =
    config.get('LOG_PRETTY') ?? (config.get('NODE_ENV') === 'development' && process.stdout.isTTY);
  return pino({
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
  });
}
