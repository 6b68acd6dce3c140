import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { QueueName } from '../queue/queue.catalogue';

/**
 * Every environment variable the service reads, with its default and its rule.
 * The README's configuration table lists the same keys; a test keeps the two in step.
 */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], {
    error: 'must be one of true, false, 1, 0, yes, no',
  })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/**
 * Which proxies' `X-Forwarded-For` to believe (Fastify's `trustProxy`): `false`; a number of hops
 * (`1`: the one load balancer in front; the client address is the one it saw); a comma-separated
 * list of proxy addresses or CIDRs; or `true`, every hop, which lets a client choose its own
 * address (and so its rate-limit bucket) unless the proxy overwrites the header.
 */
const trustProxyFromEnv = z.string().transform((value, context): boolean | number | string[] => {
  const text = value.trim().toLowerCase();
  if (text === 'false' || text === 'no' || text === '0') {
    return false;
  }
  if (text === 'true' || text === 'yes') {
    return true;
  }
  if (/^\d{1,2}$/.test(text)) {
    return Number(text);
  }
  const entries = text.split(',').map((entry) => entry.trim());
  const bad = entries.find((entry) => !isAddressOrCidr(entry));
  if (bad !== undefined) {
    context.addIssue({
      code: 'custom',
      message: `must be false, true, a number of proxy hops, or proxy addresses / CIDRs separated by commas (${JSON.stringify(bad)} is none of these)`,
    });
    return z.NEVER;
  }
  return entries;
});

function isAddressOrCidr(entry: string): boolean {
  if (entry.includes('/')) {
    try {
      ipaddr.parseCIDR(entry);
      return true;
    } catch {
      return false;
    }
  }
  return ipaddr.isValid(entry);
}

const wholeNumber = (min: number, max: number, range = false) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: range ? `must be between ${min} and ${max}` : `must be at least ${min}` })
    .max(max, { error: range ? `must be between ${min} and ${max}` : `must be at most ${max}` });

const positiveInt = (max: number) => wholeNumber(1, max);

/** `90s`, `30m`, `24h`, `7d`: kept as written; `parseDuration` turns it into milliseconds. */
const duration = z
  .string()
  .regex(/^[1-9]\d{0,6}(ms|s|m|h|d)$/, { error: 'must be a duration such as 90s, 30m, 24h or 7d' });

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Milliseconds of a duration the schema accepted (`24h` -> 86400000). */
export function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!match) {
    throw new Error(`Not a duration: ${text}`);
  }
  return Number(match[1]) * (DURATION_UNITS_MS[match[2]!] ?? Number.NaN);
}

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

const SUPPORTED_INTERVALS = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
] as const;

/** A base asset as SYMBOLS writes it: `BTC`, `1000SATS`. */
export const SYMBOL_PATTERN = /^[A-Z0-9]{2,10}$/;

const commaList = <T extends string>(item: z.ZodType<T, string>, what: string) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1, { error: `must list at least one ${what}` }))
    .transform((items) => [...new Set(items)]);

export { SUPPORTED_INTERVALS };

/** Horizons (candles ahead) forecast per interval when `FORECAST_HORIZONS` does not name it. */
export const DEFAULT_FORECAST_HORIZONS: Record<(typeof SUPPORTED_INTERVALS)[number], number[]> = {
  '1m': [1, 5, 15],
  '3m': [1, 5, 20],
  '5m': [1, 3, 12],
  '15m': [1, 4, 16],
  '30m': [1, 4, 24],
  '1h': [1, 4, 24],
  '2h': [1, 6, 12],
  '4h': [1, 6, 42],
  '6h': [1, 4, 28],
  '8h': [1, 3, 21],
  '12h': [1, 2, 14],
  '1d': [1, 7, 30],
};
const MAX_FORECAST_HORIZON = 240;

/**
 * `1h:1,4,24;1m:1,5,15;SOL/1h:1,4` -> { '1h': [1, 4, 24], '1m': [1, 5, 15], 'SOL/1h': [1, 4] }
 * (sorted, without repeats): per interval, and per market where a base asset prefixes it.
 */
const forecastHorizons = z.string().transform((value, context) => {
  const out: Partial<Record<string, number[]>> = {};
  for (const part of value
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const match = /^(?:([A-Z0-9]{2,10})\/)?([0-9]+[mhd]):([0-9, ]+)$/.exec(part);
    const base = match?.[1];
    const interval = match?.[2];
    const horizons = match?.[3]?.split(',').map((h) => Number(h.trim())) ?? [];
    if (
      !match ||
      !interval ||
      !(SUPPORTED_INTERVALS as readonly string[]).includes(interval) ||
      !horizons.length ||
      horizons.some((h) => !Number.isInteger(h) || h < 1 || h > MAX_FORECAST_HORIZON)
    ) {
      context.addIssue({
        code: 'custom',
        message: `must be [BASE/]interval:horizons entries separated by ';' (1h:1,4,24;1m:1,5,15;SOL/1h:1,4), each interval one of ${SUPPORTED_INTERVALS.join(', ')} and each horizon a whole number of candles from 1 to ${MAX_FORECAST_HORIZON} (${JSON.stringify(part)} is not)`,
      });
      return z.NEVER;
    }
    out[base ? `${base}/${interval}` : interval] = [...new Set(horizons)].sort((a, b) => a - b);
  }
  return out;
});

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
  /** `__schema` / `__type` queries; `false` refuses them with 400 BAD_REQUEST (GraphQL tools cannot load the schema). */
  GRAPHQL_INTROSPECTION: booleanFromEnv.default(true),
  /** GraphiQL at /graphiql, served from this service's own files; unset: on unless NODE_ENV=production. */
  GRAPHIQL: booleanFromEnv.optional(),
  TRUST_PROXY: trustProxyFromEnv.default(false),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  LOG_PRETTY: booleanFromEnv.optional(),
  RATE_LIMIT_WINDOW_MS: positiveInt(86_400_000).default(60_000),
  RATE_LIMIT_MAX: positiveInt(10_000_000).default(1200),
  RATE_LIMIT_ANONYMOUS_MAX: positiveInt(10_000_000).default(60),
  OVERLOAD_EVENT_LOOP_DELAY_MS: wholeNumber(0, 60_000).default(500),
  HEAVY_REQUESTS_PER_KEY: positiveInt(1000).default(4),
  /** Base assets, or `*`: every trading pair of QUOTE on the exchange (see SYMBOLS_MIN_QUOTE_VOLUME). */
  SYMBOLS: z
    .union([
      z.literal('*'),
      commaList(
        z.string().regex(SYMBOL_PATTERN, {
          error: 'each symbol must be 2-10 capital letters or digits (BTC), or * for every pair',
        }),
        'symbol',
      ),
    ])
    .default(['BTC', 'ETH', 'SOL', 'ADA']),
  /** With SYMBOLS=*: pairs that traded less than this in QUOTE over 24 h are left out. */
  SYMBOLS_MIN_QUOTE_VOLUME: z.coerce
    .number({ error: 'must be a number' })
    .min(0, { error: 'must be at least 0' })
    .default(0),
  QUOTE: z
    .string()
    .regex(/^[A-Z0-9]{2,10}$/, { error: 'must be 2-10 capital letters or digits (USDT)' })
    .default('USDT'),
  INTERVALS: commaList(
    z.enum(SUPPORTED_INTERVALS, {
      error: `each interval must be one of ${SUPPORTED_INTERVALS.join(', ')}`,
    }),
    'interval',
  ).default(['1m', '1h']),
  EXCHANGE: z
    .string()
    .regex(/^[a-z0-9]{2,30}$/, {
      error: 'must be a ccxt exchange id (binanceus, binance, kraken, ...)',
    })
    .default('binanceus'),
  EXCHANGE_REST_URL: urlWithProtocols(['http:', 'https:']).optional(),
  EXCHANGE_WS_URL: urlWithProtocols(['ws:', 'wss:']).optional(),
  BACKFILL_FROM: z
    .string()
    .refine(
      (value) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/.test(value) && !Number.isNaN(Date.parse(value)),
      {
        error: 'must be an ISO-8601 date (2018-01-01)',
      },
    )
    .default('2018-01-01'),
  GAP_CONFIRMATIONS: positiveInt(100).default(3),
  GAP_RECHECK_MS: wholeNumber(0, 30 * 86_400_000).default(3_600_000),
  LIVE_STREAM: booleanFromEnv.default(true),
  STREAM_LEASE_MS: wholeNumber(1000, 60_000).default(10_000),
  /** Streams per exchange websocket connection (Binance allows 1,024). */
  STREAM_MAX_PER_CONNECTION: positiveInt(1024).default(1024),
  SIGNAL_CATCH_UP_GRACE_MS: wholeNumber(500, 3_600_000).default(60_000),
  /**
   * Queues this worker process runs (default: all). A host that only trains sets `training`; one
   * that only serves the live path sets `webhooks,market-data,maintenance`.
   */
  WORKER_QUEUES: commaList(z.enum(QueueName), 'queue').optional(),
  /** Whether this worker takes a share of the markets' live path (indicators, forecasts, signals). */
  WORKER_LIVE: booleanFromEnv.default(true),
  /** How often a worker renews its membership of the live path's market shards (3 missed: gone). */
  WORKER_HEARTBEAT_MS: wholeNumber(200, 30_000).default(1000),
  LUNARCRUSH_API_KEY: z
    .string()
    .min(8, { error: 'must be at least 8 characters (the API v4 bearer key)' })
    .optional(),
  LUNARCRUSH_API_URL: urlWithProtocols(['http:', 'https:']).default('https://lunarcrush.com'),
  LUNARCRUSH_REQUESTS_PER_MINUTE: positiveInt(600).default(10),
  FEAR_GREED_API_URL: z
    .union([z.literal('off'), urlWithProtocols(['http:', 'https:'])], {
      error: 'must be an http(s) URL, or off to disable the source',
    })
    .default('https://api.alternative.me'),
  SENTIMENT_BACKFILL_DAYS: positiveInt(5000).default(365),
  MODEL_INTERVALS: commaList(
    z.enum(SUPPORTED_INTERVALS, {
      error: `each interval must be one of ${SUPPORTED_INTERVALS.join(', ')}`,
    }),
    'interval',
  ).default(['1h']),
  PREDICT_INTERVAL: z
    .enum(SUPPORTED_INTERVALS, { error: `must be one of ${SUPPORTED_INTERVALS.join(', ')}` })
    .default('1h'),
  MODEL_AUTO_TRAIN: booleanFromEnv.default(true),
  RETRAIN_EVERY: duration.default('24h'),
  MODEL_MAX_AGE: duration.default('72h'),
  TRAINING_WINDOW: duration.default('1460d'),
  MODEL_CACHE_MAX_MODELS: positiveInt(100_000).default(500),
  FORECAST_HORIZONS: forecastHorizons.optional(),
  TF_BACKEND: z
    .enum(['tensorflow', 'wasm', 'cpu'], { error: 'must be one of tensorflow, wasm, cpu' })
    .optional(),
  SECRET_KEY: z
    .string()
    .min(32, { error: 'must be at least 32 characters (use `openssl rand -hex 32`)' })
    .max(512, { error: 'must be at most 512 characters' })
    .optional(),
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.string().regex(/^[a-z0-9.:_\[\]-]{1,253}$/, {
          error: 'each entry must be a host name or IP address (127.0.0.1, hooks.internal)',
        }),
      ),
    )
    .optional(),
  WEBHOOK_TIMEOUT_MS: wholeNumber(100, 60_000, true).default(15_000),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(
      z
        .array(duration)
        .min(1, { error: 'must list at least one duration' })
        .max(30, { error: 'must list at most 30 retries' }),
    )
    .default(['5s', '5m', '30m', '2h', '5h', '10h', '14h', '20h', '24h']),
  WEBHOOK_CONCURRENCY: positiveInt(1000).default(50),
  WEBHOOK_ENDPOINT_CONCURRENCY: positiveInt(1000).default(4),
  WEBHOOK_MAX_PER_KEY: positiveInt(10_000).default(25),
  SHUTDOWN_DRAIN_MS: wholeNumber(0, 120_000).default(1000),
  SHUTDOWN_TIMEOUT_MS: positiveInt(600_000).default(25_000),
});

export type AppConfigValues = z.output<typeof configSchema>;

/** The keys of `configSchema`, in declaration order: the README table and `.env.example` follow it. */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof AppConfigValues)[];
