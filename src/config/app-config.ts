import { configSchema, DEFAULT_FORECAST_HORIZONS, type AppConfigValues } from './config.schema';

export class ConfigError extends Error {
  constructor(readonly problems: { key: string; problem: string }[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map(({ key, problem }) => `  - ${key}: ${problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * The validated configuration. Built once from the environment at start; a wrong value stops the
 * process with one message naming every bad key.
 */
export class AppConfig {
  private constructor(readonly values: Readonly<AppConfigValues>) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
    const input: Record<string, string> = {};
    for (const key of Object.keys(configSchema.shape)) {
      const value = env[key];
      // An empty variable (`PORT=`) means "not set", as docker-compose and .env files write it.
      if (value !== undefined && value !== '') {
        input[key] = value;
      }
    }
    const parsed = configSchema.safeParse(input);
    if (!parsed.success) {
      throw new ConfigError(
        parsed.error.issues.map((issue) => ({
          key: issue.path.join('.') || '(root)',
          problem: issue.message,
        })),
      );
    }
    if (parsed.data.NODE_ENV === 'production' && !parsed.data.SECRET_KEY) {
      throw new ConfigError([
        {
          key: 'SECRET_KEY',
          problem: 'is required in production (it encrypts webhook signing secrets at rest)',
        },
      ]);
    }
    return new AppConfig(Object.freeze(parsed.data));
  }

  get<K extends keyof AppConfigValues>(key: K): AppConfigValues[K] {
    return this.values[key];
  }

  /** Horizons (candles ahead) forecast for `base`'s market of `interval` (`BTC/1h`, else `1h`). */
  forecastHorizons(interval: string, base?: string): number[] {
    return (
      (base === undefined ? undefined : this.values.FORECAST_HORIZONS?.[`${base}/${interval}`]) ??
      this.values.FORECAST_HORIZONS?.[interval] ??
      DEFAULT_FORECAST_HORIZONS[interval as keyof typeof DEFAULT_FORECAST_HORIZONS] ?? [1]
    );
  }

  get isProduction(): boolean {
    return this.values.NODE_ENV === 'production';
  }

  /** The Redis key prefix with its separator, shared by BullMQ, rate limits and pub/sub channels. */
  redisKey(...parts: string[]): string {
    return [this.values.REDIS_PREFIX, ...parts].join(':');
  }
}
