import { api, fieldProblems, type Api } from './support/api';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';

describe('strategies: the one shipped, and definitions refused naming the rule and the problem', () => {
  let t: TestApp;
  let http: Api;

  beforeAll(async () => {
    // Definitions only: no exchange, no worker.
    t = await startTestApp({
      env: {
        DATABASE_URL: databaseUrl(scratchName('stdefs')),
        REDIS_PREFIX: scratchName('stdefs'),
        SYMBOLS: 'BTC',
        INTERVALS: '1h',
      },
    });
    http = api(t, { key: t.adminKey });
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('ships a default strategy and refuses invalid ones naming the rule and the problem', async () => {
    const list = (await http.get('/strategies')).body;
    expect(list).toEqual([
      expect.objectContaining({ name: 'default', version: 1, active: true, needsModel: true }),
    ]);
    const bad = await http.post('/admin/strategies', {
      body: {
        name: 'broken',
        definition: {
          rules: [
            { input: 'rsi', condition: { op: '<', value: 30 }, weight: 0.5 },
            { input: 'tea-leaves', condition: { op: '>', value: 1 }, weight: 3 },
          ],
        },
      },
    });
    expect(bad.status).toBe(400);
    const fields = fieldProblems(bad.errorBody).map((d) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(['definition.rules[1].input', 'definition.rules[1].weight']),
    );
    expect(
      (await http.post('/admin/strategies', { body: { name: 'Bad Name!', definition: {} } }))
        .status,
    ).toBe(400);
  });
});
