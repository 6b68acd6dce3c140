import { AppConfig, ConfigError } from './app-config';

describe('AppConfig', () => {
  it('applies the documented defaults', () => {
    const config = AppConfig.fromEnv({});
    expect(config.get('PORT')).toBe(3000);
    expect(config.get('DATABASE_URL')).toBe('postgres://postgres@127.0.0.1:5432/crypto_freq_trade');
    expect(config.get('REDIS_URL')).toBe('redis://127.0.0.1:6379');
    expect(config.get('PUBLIC_READ')).toBe(false);
    expect(config.get('ADMIN_API_KEY')).toBeUndefined();
    expect(config.redisKey('bull')).toBe('cft:bull');
  });

  it('converts values and treats empty variables as unset', () => {
    const config = AppConfig.fromEnv({
      PORT: '8080',
      PUBLIC_READ: 'yes',
      MIGRATIONS_RUN: '0',
      LOG_LEVEL: '',
    });
    expect(config.get('PORT')).toBe(8080);
    expect(config.get('PUBLIC_READ')).toBe(true);
    expect(config.get('MIGRATIONS_RUN')).toBe(false);
    expect(config.get('LOG_LEVEL')).toBe('info');
  });

  it('reads TRUST_PROXY as a hop count, proxy addresses, or every hop', () => {
    const trust = (value: string) => AppConfig.fromEnv({ TRUST_PROXY: value }).get('TRUST_PROXY');
    expect(trust('false')).toBe(false);
    expect(trust('1')).toBe(1);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, 192.168.1.7,::1')).toEqual(['10.0.0.0/8', '192.168.1.7', '::1']);
    expect(trust('true')).toBe(true);
    expect(AppConfig.fromEnv({}).get('TRUST_PROXY')).toBe(false);
    expect(() => trust('10.0.0.0/99')).toThrow(
      /TRUST_PROXY: must be false, true, a number of proxy hops/,
    );
    expect(() => trust('my-proxy')).toThrow(/"my-proxy" is none of these/);
  });

  it('reads forecast horizons per interval and per market, with defaults for the rest', () => {
    const config = AppConfig.fromEnv({ FORECAST_HORIZONS: '1h:24,1,4,4; SOL/1h:1,2;5m:1' });
    expect(config.forecastHorizons('1h')).toEqual([1, 4, 24]);
    expect(config.forecastHorizons('1h', 'BTC')).toEqual([1, 4, 24]);
    expect(config.forecastHorizons('1h', 'SOL')).toEqual([1, 2]);
    expect(config.forecastHorizons('5m', 'SOL')).toEqual([1]);
    expect(config.forecastHorizons('1m')).toEqual([1, 5, 15]);
    expect(AppConfig.fromEnv({}).forecastHorizons('1h')).toEqual([1, 4, 24]);
    for (const bad of ['1h:0', '7m:1', '1h:1.5', 'sol/1h:1', '1h', '1h:241']) {
      expect(() => AppConfig.fromEnv({ FORECAST_HORIZONS: bad })).toThrow(
        /FORECAST_HORIZONS: must be \[BASE\/\]interval:horizons/,
      );
    }
  });

  it('reports every bad key at once, with why', () => {
    let error: unknown;
    try {
      AppConfig.fromEnv({
        PORT: '70000',
        REDIS_URL: 'http://x',
        RATE_LIMIT_MAX: '0',
        REDIS_PREFIX: 'has space',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      { key: 'PORT', problem: 'must be between 0 and 65535' },
      { key: 'REDIS_URL', problem: 'must be a URL starting with redis:// or rediss://' },
      { key: 'REDIS_PREFIX', problem: 'must be 1-40 letters, digits, "_" or "-"' },
      { key: 'RATE_LIMIT_MAX', problem: 'must be at least 1' },
    ]);
    expect((error as Error).message).toMatch(
      /^Invalid configuration \(4 problems\):\n {2}- PORT: /,
    );
  });
});
