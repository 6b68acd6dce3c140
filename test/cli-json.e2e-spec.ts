import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCandleCsv } from '../src/simulator/candle-series';
import { DEFAULT_STRATEGY } from '../src/strategy/engine/strategy-definition';
import { testEnv } from './support/test-env';

const CSV = join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv');
const TEST_FROM = '2022-09-24T00:00:00Z';

/** Runs the built CLI; no database is needed for --csv runs. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(__dirname, '..', 'dist', 'src', 'cli.js'), ...args],
      {
        env: testEnv(),
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the CLI prints one JSON document with --json, for scripts that compare runs', () => {
  it('evaluate: the split, every horizon scored, the calibration', async () => {
    const run = await cli([
      'evaluate',
      '--csv',
      CSV,
      '--kind',
      'linear',
      '--folds',
      '2',
      '--test-from',
      TEST_FROM,
      '--horizons',
      '1,4',
      '--json',
    ]);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      kind: string;
      split: { testFrom: number; model: { count: number }; versusPersistence: { pValue: number } };
      forecast: { horizon: number; shrinkage: number }[];
      calibration: { source: string; horizons: { horizon: number }[] };
    };
    expect(result.kind).toBe('linear');
    expect(result.split.testFrom).toBe(Date.parse(TEST_FROM));
    expect(result.split.model.count).toBeGreaterThan(100);
    expect(result.split.versusPersistence.pValue).toBeGreaterThan(0);
    expect(result.forecast.map((h) => h.horizon)).toEqual([1, 4]);
    expect(result.calibration.source).toBe('walk-forward');
  }, 60_000);

  it('evaluate: indicator outputs as inputs, and no other market on a CSV', async () => {
    const run = await cli([
      'evaluate',
      '--csv',
      CSV,
      '--kind',
      'linear',
      '--folds',
      '0',
      '--features',
      'logReturn,macd:12,26,9.signal,bb.percentB,obv',
      '--test-from',
      TEST_FROM,
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { features: string[] }).features).toEqual([
      'logReturn',
      'macd:12,26,9.signal',
      'bb:20,2.percentB',
      'obv.value',
    ]);
    const refused = await cli(['evaluate', '--csv', CSV, '--features', 'logReturn,BTC/logReturn']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `--features: features[1] "BTC/logReturn" reads BTC's candles, which are not available here`,
    );
    expect(refused.stderr).toContain('need --symbol, not --csv');
  }, 60_000);

  it('search: the shape of GET /models/searches/:id', async () => {
    const run = await cli([
      'search',
      '--csv',
      CSV,
      '--kinds',
      'linear',
      '--trials',
      '2',
      '--folds',
      '0',
      '--seed',
      '5',
      '--test-from',
      TEST_FROM,
      '--json',
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      status: string;
      trialsTotal: number;
      trials: { status: string; score: number }[];
      request: { seed: number };
      best: { trialIndex: number; test: { split: { model: { count: number } } } };
    };
    expect(result).toMatchObject({ status: 'completed', trialsTotal: 2, request: { seed: 5 } });
    expect(result.trials.map((trial) => trial.status)).toEqual(['completed', 'completed']);
    expect(result.best.test.split.model.count).toBeGreaterThan(100);
  }, 60_000);

  it('backtest: the result of GET /backtests/:id with the trades', async () => {
    const definition = join(tmpdir(), `cft-default-${process.pid}.json`);
    writeFileSync(definition, JSON.stringify(DEFAULT_STRATEGY));
    const run = await cli([
      'backtest',
      '--csv',
      CSV,
      '--definition',
      definition,
      '--from',
      TEST_FROM,
      '--no-walk-forward',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      params: { feeRate: number; sizing: { kind: string } };
      result: {
        strategy: { trades: number };
        buyAndHold: { totalReturn: number };
        candles: number;
      };
      trades: unknown[];
    };
    expect(result.params).toMatchObject({ feeRate: 0.001, sizing: { kind: 'volatility' } });
    expect(result.result.candles).toBe(
      readCandleCsv(CSV).filter((candle) => candle.openTime >= Date.parse(TEST_FROM)).length,
    );
    expect(result.trades).toHaveLength(result.result.strategy.trades);
    expect(Number.isFinite(result.result.buyAndHold.totalReturn)).toBe(true);
  }, 60_000);
});
