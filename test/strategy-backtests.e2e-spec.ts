import { fieldProblems } from './support/api';
import { graphql } from './support/graphql';
import { CANDLES, HOUR_MS, LiveMarket } from './support/live-market-fixtures';
import { createStrategy, runBacktest } from './support/strategy-fixtures';

describe('strategies: backtests sized by volatility, and walk-forward predictions', () => {
  let market: LiveMarket;

  beforeAll(async () => {
    market = await LiveMarket.open({ label: 'stbt' });
  }, 60_000);
  afterAll(async () => {
    await market.close();
  });

  it('sizes backtest entries by predicted volatility, the strategy default or the request, and refuses a bad sizing naming the field', async () => {
    const { http, t } = market;
    const fromIndex = 200;
    const from = new Date(CANDLES[fromIndex]!.openTime).toISOString();
    const to = new Date(CANDLES[fromIndex + 100]!.openTime).toISOString();
    // Always BUY: one entry at the second candle's open, held to the end.
    await createStrategy(http, 'vol-sized', {
      rules: [{ input: 'rsi', condition: { op: 'between', min: 0, max: 100 }, weight: 1 }],
      thresholds: { buy: 0.5, sell: -0.5 },
      sizing: { kind: 'volatility', targetVolatility: 0.002, maxFraction: 0.9 },
    });
    // The EWMA volatility (lambda 0.94, seeded with the mean square of the first 30 one-candle log
    // returns) at the decision candle, by hand from the candles stored before and at it.
    let variance = 0;
    for (let i = 1; i <= fromIndex; i++) {
      const r = Math.log(CANDLES[i]!.close / CANDLES[i - 1]!.close);
      variance = i <= 30 ? variance + (r * r) / 30 : 0.94 * variance + 0.06 * r * r;
    }
    const sigma = Math.sqrt(variance);
    const investedShare = async (body: object) => {
      const { id, backtest } = await runBacktest(http, {
        body: {
          strategy: 'vol-sized',
          symbol: 'BTC',
          from,
          to,
          startingCash: 1000,
          feeRate: 0.001,
          ...body,
        },
        what: 'a sized backtest',
        timeoutMs: 30_000,
      });
      const trades = (await http.get(`/backtests/${id}/trades`)).body;
      expect(trades).toHaveLength(1);
      // Spent: quantity x price plus the 0.1% fee taken out of it.
      return {
        params: backtest.params,
        share: (trades[0]!.quantity * trades[0]!.entryPrice) / (1 - 0.001) / 1000,
      };
    };
    const byStrategy = await investedShare({});
    expect(byStrategy.params.sizing).toEqual({
      kind: 'volatility',
      targetVolatility: 0.002,
      maxFraction: 0.9,
    });
    expect(byStrategy.share).toBeCloseTo(Math.min(0.9, 0.002 / sigma), 9);
    const byRequest = await investedShare({
      sizing: { kind: 'volatility', targetVolatility: 0.01 },
    });
    expect(byRequest.params.sizing).toEqual({ kind: 'volatility', targetVolatility: 0.01 });
    expect(byRequest.share).toBeCloseTo(Math.min(1, 0.01 / sigma), 9);

    const refused = async (body: object) => {
      const response = await http.post('/backtests', {
        body: {
          strategy: 'vol-sized',
          symbol: 'BTC',
          from,
          to,
          ...body,
        },
      });
      expect(response.status).toBe(400);
      // The fields named (one field may have several problems: a missing number is neither a
      // number nor positive).
      return [...new Set(fieldProblems(response.errorBody).map((d) => d.field))];
    };
    expect(await refused({ sizing: { kind: 'volatility', targetVolatility: -1 } })).toEqual([
      'sizing.targetVolatility',
    ]);
    expect(await refused({ sizing: { kind: 'volatility' } })).toEqual(['sizing.targetVolatility']);
    expect(await refused({ sizing: { kind: 'all-in', targetVolatility: 0.01 } })).toEqual([
      'sizing.targetVolatility',
    ]);
    expect(await refused({ sizing: { kind: 'kelly' } })).toEqual(['sizing.kind']);
    expect(await refused({ fraction: 0.5, sizing: { kind: 'all-in' } })).toEqual(['fraction']);
    const viaGraphql = await graphql(
      t,
      {
        query: `mutation { runBacktest(input: { strategy: "vol-sized", symbol: "BTC", from: "${from}", to: "${to}", sizing: { kind: "volatility", targetVolatility: -1 } }) { backtestId } }`,
      },
      { key: t.adminKey },
    );
    const [refusedByGraphql] = viaGraphql.body.errors ?? [];
    expect(refusedByGraphql?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(refusedByGraphql?.extensions?.details?.[0]?.field).toBe('sizing.targetVolatility');
  }, 90_000);

  it('makes walk-forward predictions for a past range, each block from a model trained only before it', async () => {
    const { http } = market;
    // The last part of the fixture, in two walk-forward blocks of small models.
    const walkForward = (strategy: string, what: string) =>
      runBacktest(http, {
        body: {
          strategy,
          symbol: 'BTC',
          from: new Date(CANDLES[400]!.openTime).toISOString(),
          to: new Date(CANDLES[CANDLES.length - 1]!.openTime).toISOString(),
          retrainEvery: 300,
          modelParams: { units: 8, lookback: 8, epochs: 2, batchSize: 64, patience: 0 },
        },
        what,
        timeoutMs: 60_000,
      });
    const { backtest } = await walkForward('default', 'the walk-forward backtest');
    const blocks = backtest.result.walkForwardBlocks;
    expect(blocks).toHaveLength(2);
    for (const block of blocks) {
      expect(block.trainedThrough).toBeLessThan(block.predictsFrom);
    }
    expect(blocks[0]!.predictsFrom).toBe(CANDLES[400]!.openTime);
    expect(backtest.result.predictionsGenerated).toBe(CANDLES.length - 400);

    // A strategy whose only rule reads the model, with a model-age guard: walk-forward
    // predictions carry when their model was trained, so the rule fires (it never did: every
    // prediction counted as stale) and the strategy buys.
    await createStrategy(http, 'model-only', {
      rules: [{ input: 'predictedReturn', condition: { op: '>', value: -1 }, weight: 1 }],
      thresholds: { buy: 0.5, sell: -0.5 },
      guards: { maxModelAgeMs: 60 * 24 * HOUR_MS },
    });
    const { backtest: guardedResult } = await walkForward('model-only', 'the model-only backtest');
    expect(guardedResult.tradeCount).toBeGreaterThan(0);
    const invalid = await http.post('/backtests', {
      body: {
        strategy: 'default',
        symbol: 'BTC',
        from: '2022-09-01',
        to: '2022-09-10',
        modelParams: { units: 0 },
      },
    });
    expect(invalid.status).toBe(400);
    expect(fieldProblems(invalid.errorBody)[0]?.field).toBe('modelParams.units');
  }, 90_000);
});
