import { DataSource } from 'typeorm';
import { RetrainModelsProcessor } from '../src/models/jobs/retrain-models.processor';
import { fieldProblems } from './support/api';
import { CANDLES, HOUR_MS, type LiveMarket } from './support/live-market-fixtures';
import { openModelsMarket } from './support/models-fixtures';
import { waitFor } from './support/wait-for';

describe('models: the baseline forecast before any model, the registry refusing bad input', () => {
  let market: LiveMarket;

  beforeAll(async () => {
    market = await openModelsMarket('mbase');
  }, 60_000);
  afterAll(async () => {
    await market.close();
  });

  it('serves the baseline forecast, labelled as such, before any model exists', async () => {
    const baseline = await waitFor(
      async () => {
        const response = await market.http.get('/predict/BTC');
        return response.status === 200 ? response.body : undefined;
      },
      { what: 'the baseline forecast after the backfill', timeoutMs: 20_000 },
    );
    const last = CANDLES[CANDLES.length - 1]!;
    expect(baseline).toMatchObject({
      kind: 'baseline',
      model: null,
      horizon: 1,
      predictedReturn: 0,
      lastClose: last.close,
      predictedClose: last.close,
    });
    expect(Date.parse(baseline.openTime)).toBe(last.openTime);
    const { horizons } = baseline;
    expect(horizons.map((h) => h.horizon)).toEqual([1, 4, 24]);
    for (const h of horizons) {
      expect(Date.parse(h.targetTime)).toBe(last.openTime + h.horizon * HOUR_MS);
      expect(h.lower).toBeLessThan(h.upper);
      expect(h.lowerClose).toBeCloseTo(last.close * Math.exp(h.lower), 6);
      expect(h.upperClose).toBeCloseTo(last.close * Math.exp(h.upper), 6);
      expect(h.volatility).toBeGreaterThan(0);
      expect(h.probabilityUp).toBeGreaterThan(0);
      expect(h.probabilityUp).toBeLessThan(1);
      expect(h.shrinkage).toBeNull();
      // Its record: its last 500 forecasts with a known outcome, each from the candles before it.
      const ends = Array.from({ length: 500 }, (_, i) => CANDLES.length - 1 - h.horizon - i);
      const mae =
        ends.reduce(
          (sum, end) => sum + Math.abs(CANDLES[end + h.horizon]!.close - CANDLES[end]!.close),
          0,
        ) / ends.length;
      expect(h.test).toMatchObject({ count: 500, pValue: 1 });
      expect(h.test!.mae).toBeCloseTo(mae, 6);
      expect(h.test!.persistenceMae).toBe(h.test!.mae);
      expect(h.test!.coverage).toBeGreaterThan(0.6);
      expect(h.test!.coverage).toBeLessThan(0.95);
      expect(h.test!.brier).toBeGreaterThan(0);
    }
    // Wider bands further out.
    expect(horizons[2]!.upper - horizons[2]!.lower).toBeGreaterThan(
      horizons[0]!.upper - horizons[0]!.lower,
    );
  });

  it('fails a version whose training job is gone, so the market can train again', async () => {
    // A worker was killed mid-training and its job then removed: the row stayed 'training'.
    const dataSource = market.t.app.get(DataSource);
    const ghostJob = `train-model.ghost-${Date.now()}`;
    const [orphan] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO model_versions (exchange, symbol, interval, status, params, features, job_id)
       VALUES ('binance', 'BTCUSDT', '1h', 'training', '{}', '[]', $1) RETURNING id`,
      [ghostJob],
    );
    await market.t.app.get(RetrainModelsProcessor).process();
    const version = (await market.http.get(`/models/${orphan!.id}`)).body;
    expect(version.status).toBe('failed');
    expect(version.error).toContain(`its training job ${ghostJob} ended (removed)`);
    await dataSource.query(`DELETE FROM model_versions WHERE id = $1`, [orphan!.id]);
  });

  it('refuses bad input with 4xx naming the field', async () => {
    const { http } = market;
    const bad = await http.post('/admin/models/train', {
      body: {
        symbol: 'BTC',
        params: { units: 0, dropout: 2, wings: 3 },
      },
    });
    expect(bad.status).toBe(400);
    const fields = fieldProblems(bad.errorBody)
      .map((d) => d.field)
      .sort();
    expect(fields).toEqual(['params.dropout', 'params.units', 'params.wings']);
    expect((await http.post('/admin/models/train', { body: { symbol: 'DOGE' } })).status).toBe(404);
    expect((await http.get('/models/not-a-uuid')).status).toBe(400);
    expect((await http.get('/models/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await http.get('/predict/BTC?interval=7m')).status).toBe(400);
    const client = await http.post('/admin/models/train', { body: { symbol: 'BTC' }, key: null });
    expect(client.status).toBe(401);
  });
});
