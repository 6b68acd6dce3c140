import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { LiveMarket } from './support/live-market-fixtures';
import { TINY, openModelsMarket, productionModel, trainedJob } from './support/models-fixtures';
import { REDIS_URL } from './support/test-env';
import { waitFor } from './support/wait-for';

describe('models: promotion, rollback, retirement, and the production model after a restart', () => {
  let market: LiveMarket;

  beforeAll(async () => {
    market = await openModelsMarket('mpromo');
    await productionModel(market.http);
  }, 180_000);
  afterAll(async () => {
    await market.close();
  });

  it('promotes by the rules, rolls back to an earlier version, and retiring production falls back to the baseline', async () => {
    const { http } = market;
    const first = (await http.get('/models?symbol=BTC&status=production')).body[0]!;
    const second = await trainedJob(http, { ...TINY, units: 12 });
    if (second.result.status === 'candidate') {
      expect(second.result.promotion).toMatch(/does not beat/);
      expect(
        (await http.post(`/admin/models/${second.result.modelVersionId}/promote`)).status,
      ).toBe(200);
    }
    const models = (await http.get('/models?symbol=BTC')).body;
    expect(models.find((m) => m.id === second.result.modelVersionId)?.status).toBe('production');
    expect(models.find((m) => m.id === first.id)?.status).toBe('retired');
    expect(models.filter((m) => m.status === 'production')).toHaveLength(1);
    // A promotion recomputes the latest prediction at once.
    await waitFor(
      async () =>
        (await http.get('/predict/BTC')).body.model?.versionId === second.result.modelVersionId
          ? true
          : undefined,
      {
        what: 'the prediction of the promoted model',
      },
    );
    // Roll back.
    expect((await http.post(`/admin/models/${first.id}/promote`)).body.status).toBe('production');
    await waitFor(
      async () =>
        (await http.get('/predict/BTC')).body.model?.versionId === first.id ? true : undefined,
      {
        what: 'the prediction of the rolled-back model',
      },
    );
    expect((await http.post(`/admin/models/${first.id}/promote`)).status).toBe(409);
    expect((await http.post(`/admin/models/${first.id}/retire`)).body.status).toBe('retired');
    // Without a production model the market falls back to the baseline, labelled as such.
    await waitFor(
      async () => ((await http.get('/predict/BTC')).body.kind === 'baseline' ? true : undefined),
      { what: 'the baseline after the retirement' },
    );
    expect((await http.post(`/admin/models/${first.id}/retire`)).status).toBe(409);
    // A version that never finished training (failed, or cancelled) can be neither retired nor
    // promoted: it has no stored model, and making it production would leave the market serving
    // nothing while the old production model was retired.
    const dataSource = market.t.app.get(DataSource);
    const [failed] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO model_versions (exchange, symbol, interval, status, params, features, error)
       VALUES ('binance', 'BTCUSDT', '1h', 'failed', '{}', '[]', 'cancelled') RETURNING id`,
    );
    const [neverTrained] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO model_versions (exchange, symbol, interval, status, params, features)
       VALUES ('binance', 'BTCUSDT', '1h', 'retired', '{}', '[]') RETURNING id`,
    );
    const refusedRetire = await http.post(`/admin/models/${failed!.id}/retire`);
    expect(refusedRetire.status).toBe(409);
    expect(refusedRetire.errorBody.message).toContain('is failed');
    expect((await http.post(`/admin/models/${failed!.id}/promote`)).status).toBe(409);
    const refusedPromote = await http.post(`/admin/models/${neverTrained!.id}/promote`);
    expect(refusedPromote.status).toBe(409);
    expect(refusedPromote.errorBody.message).toContain('never finished training');
    await dataSource.query(`DELETE FROM model_versions WHERE id IN ($1, $2)`, [
      failed!.id,
      neverTrained!.id,
    ]);
    // Back to serving, as the suite found it.
    expect((await http.post(`/admin/models/${second.result.modelVersionId}/promote`)).status).toBe(
      200,
    );
  }, 180_000);

  it('after a restart loads the production model from PostgreSQL and answers without retraining', async () => {
    const before = (await market.http.get('/models?symbol=BTC')).body.length;
    const production = (await market.http.get('/models?symbol=BTC&status=production')).body[0]!;
    await market.stop();
    const redis = new Redis(REDIS_URL);
    await redis.del(`${market.prefix}:predictions:latest:binance:BTCUSDT:1h`);
    redis.disconnect();
    await market.start();
    const prediction = await waitFor(
      async () => {
        const response = await market.http.get('/predict/BTC');
        return response.body.kind === 'model' ? response.body : undefined;
      },
      { what: 'a prediction after the restart', timeoutMs: 20_000 },
    );
    expect(prediction.model?.versionId).toBe(production.id);
    expect((await market.http.get('/models?symbol=BTC')).body).toHaveLength(before);
  }, 60_000);
});
