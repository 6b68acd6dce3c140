import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { Candle } from '../src/market-data/candle';
import { PredictionsRepository } from '../src/models/predictions.repository';
import { JobName } from '../src/queue/queue.catalogue';
import { FearGreedImportService } from '../src/sentiment/import/fear-greed-import.service';
import { jobInState, jobResult } from './support/api';
import { CANDLES, HOUR_MS, LiveMarket } from './support/live-market-fixtures';
import { productionModel } from './support/models-fixtures';
import { createStrategy, runBacktest } from './support/strategy-fixtures';
import { waitFor } from './support/wait-for';

describe('strategies: reading the production model live, and backtests on the predictions stored', () => {
  let market: LiveMarket;
  /** Two candles closed live with a production model, so each carries a stored prediction. */
  const liveCandles: Candle[] = [];

  beforeAll(async () => {
    market = await LiveMarket.open({ label: 'stmodel' });
    const modelVersionId = await productionModel(market.http);
    for (let i = 0; i < 2; i++) {
      const candle = await market.closeNext();
      await waitFor(
        async () => {
          const body = (await market.http.get('/predict/BTC')).body;
          return Date.parse(body.openTime) === candle.openTime &&
            body.model?.versionId === modelVersionId
            ? true
            : undefined;
        },
        { what: 'the prediction at the live candle', timeoutMs: 15_000 },
      );
      liveCandles.push(candle);
    }
  }, 180_000);
  afterAll(async () => {
    await market.close();
  });

  it('uses the production model prediction for strategies that read it', async () => {
    const { http, t } = market;
    const trained = await http.post('/admin/models/train', {
      body: {
        symbol: 'BTC',
        params: { units: 8, lookback: 8, epochs: 2, batchSize: 64, patience: 0 },
      },
    });
    const job = jobResult(
      await jobInState(http, trained.body.jobId, 'completed', {
        what: 'the training',
        timeoutMs: 60_000,
      }),
      JobName.TrainModel,
    );
    if (job.status !== 'production') {
      await http.post(`/admin/models/${job.modelVersionId}/promote`, { body: {} });
    }
    await waitFor(
      async () =>
        (await http.get('/predict/BTC')).body.model?.versionId === job.modelVersionId
          ? true
          : undefined,
      { what: 'a prediction of the new model' },
    );
    const candle = await market.closeNext();
    const signal = await waitFor(
      async () => {
        const body = (await http.get('/signals/BTC', { query: { strategy: 'default' } })).body;
        return body[0] && Date.parse(body[0].openTime) === candle.openTime ? body[0] : undefined;
      },
      { what: 'the default strategy signal with the model', timeoutMs: 15_000 },
    );
    expect(signal.modelVersionId).toBe(job.modelVersionId);
    expect(typeof signal.prediction?.predictedReturn).toBe('number');

    // A crossing on a model input compares with the prediction stored at the candle before,
    // live as in backtests (it never fired live: the candle before had no prediction).
    const current = (await http.get('/predict/BTC')).body;
    const at = Date.parse(current.openTime);
    const dataSource = t.app.get(DataSource);
    const updated = await dataSource.query<[unknown, number]>(
      `UPDATE predictions SET predicted_return = $1
        WHERE exchange = 'binance' AND symbol = 'BTCUSDT' AND interval = '1h' AND open_time = to_timestamp($2 / 1000.0)`,
      [current.predictedReturn - 1, at - HOUR_MS],
    );
    expect(updated[1]).toBeGreaterThan(0);
    const crossing = await http.post('/admin/strategies', {
      body: {
        name: 'model-cross',
        definition: {
          rules: [
            {
              label: 'prediction turned up',
              input: 'predictedReturn',
              condition: { op: 'crossesAbove', value: current.predictedReturn - 0.5 },
              weight: 1,
            },
          ],
          thresholds: { buy: 0.5, sell: -0.5 },
        },
      },
    });
    expect(crossing.status).toBe(201);
    // Stored predictions carry when their model was trained (backtests' model-age guard reads it).
    const model = (await http.get(`/models/${job.modelVersionId}`)).body;
    const stored = await t.app
      .get(PredictionsRepository)
      .forRange({ exchange: 'binance', symbol: 'BTCUSDT', interval: '1h' }, at, at);
    expect(stored.get(at)?.trainedAt).toBe(Date.parse(model.trainedAt!));
    const dry = await http.post('/strategies/model-cross/evaluate', { body: { symbol: 'BTC' } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      action: 'BUY',
      reasons: [expect.objectContaining({ label: 'prediction turned up' })],
    });
  }, 90_000);

  it('backtests a strategy as a job, with fees, trades and buy-and-hold, using the live predictions stored', async () => {
    const { http, t } = market;
    const last = liveCandles[1]!;
    const from = new Date(CANDLES[200]!.openTime).toISOString();
    const to = new Date(last.openTime).toISOString();
    const { id, backtest } = await runBacktest(http, {
      body: { strategy: 'default', symbol: 'BTC', from, to, startingCash: 1000, feeRate: 0.001 },
      what: 'the backtest',
      timeoutMs: 30_000,
    });
    const candles = CANDLES.length - 200 + 2;
    expect(backtest.result.candles).toBe(candles);
    // The two candles closed live before the tests carry stored predictions.
    expect(backtest.result.predictionsUsed).toBeGreaterThanOrEqual(1);
    const first = CANDLES[200]!;
    const holdQuantity = (1000 * (1 - 0.001)) / first.open;
    expect(backtest.result.buyAndHold.finalEquity).toBeCloseTo(
      holdQuantity * last.close * (1 - 0.001),
      6,
    );
    const trades = (await http.get(`/backtests/${id}/trades`)).body;
    expect(trades).toHaveLength(backtest.tradeCount!);
    expect(trades.every((trade) => trade.exitTime >= trade.entryTime && trade.fees > 0)).toBe(true);
    expect(backtest.result.strategy.feesPaid).toBeCloseTo(
      trades.reduce((sum, trade) => sum + trade.fees, 0),
      6,
    );
    expect(backtest.equity?.length).toBeGreaterThan(10);
    expect(
      (
        await http.post('/backtests', {
          body: { strategy: 'default', symbol: 'BTC', from: to, to: from },
        })
      ).status,
    ).toBe(400);
    expect(
      (await http.post('/backtests', { body: { strategy: 'nope', symbol: 'BTC', from, to } }))
        .status,
    ).toBe(404);
    expect((await http.get('/backtests/not-a-uuid')).status).toBe(400);

    // Sentiment rules fire in backtests as they do live (the series was never passed in).
    await t.app
      .get(FearGreedImportService)
      .import(join(__dirname, 'fixtures', 'sentiment', 'fear-greed-2022-08-15_2022-10-01.csv'));
    await createStrategy(http, 'sentiment-only', {
      rules: [{ input: 'sentiment', condition: { op: '>', value: -1000 }, weight: 1 }],
      thresholds: { buy: 0.5, sell: -0.5 },
    });
    const { backtest: sentimentResult } = await runBacktest(http, {
      body: { strategy: 'sentiment-only', symbol: 'BTC', from, to },
      what: 'the sentiment backtest',
      timeoutMs: 30_000,
    });
    expect(sentimentResult.tradeCount).toBeGreaterThan(0);
  }, 60_000);
});
