import { z } from 'zod';

/**
 * Every environment variable the service reads, with its default and its rule.
 * The README's configuration table lists the same keys; a test keeps the two in step.
 */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], {
    error: 'must be one of true, false, 1, 0, yes, no',
  })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const wholeNumber = (min: number, max: number, range = false) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: range ? `must be between ${min} and ${max}` : `must be at least ${min}` })
    .max(max, { error: range ? `must be between ${min} and ${max}` : `must be at most ${max}` });

const positiveInt = (max: number) => wholeNumber(1, max);

const urlWithProtocols = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

export const configSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'production', 'test'], {
      error: 'must be one of development, production, test',
    })
    .default('development'),
  PORT: wholeNumber(0, 65535, true).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:']).default(
    'postgres://postgres@127.0.0.1:5432/crypto_freq_trade',
  ),
  DATABASE_POOL_SIZE: positiveInt(200).default(10),
  MIGRATIONS_RUN: booleanFromEnv.default(true),
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'must be 1-40 letters, digits, "_" or "-"' })
    .default('cft'),
  ADMIN_API_KEY: z
    .string()
    .min(24, { error: 'must be at least 24 characters (use `openssl rand -hex 24`)' })
    .max(256, { error: 'must be at most 256 characters' })
    .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' })
    .optional(),
  PUBLIC_READ: booleanFromEnv.default(false),
  TRUST_PROXY: booleanFromEnv.default(false),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  LOG_PRETTY: booleanFromEnv.optional(),
  RATE_LIMIT_WINDOW_MS: positiveInt(86_400_000).default(60_000),
  RATE_LIMIT_MAX: positiveInt(10_000_000).default(1200),
  RATE_LIMIT_ANONYMOUS_MAX: positiveInt(10_000_000).default(60),
  SHUTDOWN_DRAIN_MS: wholeNumber(0, 120_000).default(1000),
  SHUTDOWN_TIMEOUT_MS: positiveInt(600_000).default(25_000),
});

export type ConfigInput = z.input<typeof configSchema>;
export type AppConfigValues = z.output<typeof configSchema>;

/** The keys of `configSchema`, in declaration order: the README table and `.env.example` follow it. */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof AppConfigValues)[];
