import { api, fieldProblems } from './support/api';
import { graphql } from './support/graphql';
import { HOUR_MS, T0, openRecordedAccount, paperEnv } from './support/paper-books';
import { startTestApp, type TestApp } from './support/test-app';

const METRICS =
  'finalEquity totalReturn cagr sharpe sortino maxDrawdown winRate profitFactor trades exposure feesPaid';
const ACCOUNT = `id name strategy { id name version } markets interval startingCash feeRate slippage
  sizing { kind fraction targetVolatility maxFraction } status createdAt closedAt startTime lastCandle
  lateCandles metrics { ${METRICS} } buyAndHold { ${METRICS} } backtest { ${METRICS} }`;
const TRADE =
  'symbol entryTime entryPrice exitTime exitPrice quantity fees profit returnPct exitReason';
const POSITION =
  'symbol cash quantity entryPrice entryTime markPrice equity feesPaid lastCandle lateCandles';

interface Account {
  id: string;
  name: string;
  status: string;
  strategy: { id: string };
  sizing: Record<string, unknown>;
}

/** GraphQL answers `null` for a sizing parameter the account does not have; REST leaves it out. */
function restShape(account: Account): Account {
  return {
    ...account,
    sizing: Object.fromEntries(Object.entries(account.sizing).filter(([, v]) => v !== null)),
  };
}

/**
 * Paper accounts through GraphQL against REST for one account with recorded books: queries,
 * mutations, access levels and input errors.
 */
describe('paper accounts over GraphQL and REST', () => {
  let t: TestApp;
  let clientKey: string;
  let account: Account;
  const env = paperEnv('paper');
  const rest = (key: string) => api(t, { key });
  const gql = async <TData = Record<string, unknown>>(key: string, query: string) =>
    (await graphql<TData>(t, { query }, { key })).body;
  /** The data of a query that must succeed. */
  const data = async <TData = Record<string, unknown>>(key: string, query: string) => {
    const body = await gql<TData>(key, query);
    expect(body.errors).toBeUndefined();
    return body.data!;
  };

  beforeAll(async () => {
    t = await startTestApp({ worker: true, env });
    ({ clientKey, account } = await openRecordedAccount(t, env.DATABASE_URL));
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('answers every GraphQL query as the REST route does, for a client key', async () => {
    const { id } = account;
    const list = await rest(clientKey).get('/paper-accounts');
    expect(list.status).toBe(200);
    const { paperAccounts } = await data<{ paperAccounts: Account[] }>(
      clientKey,
      `{ paperAccounts { ${ACCOUNT} } }`,
    );
    expect(paperAccounts.map(restShape)).toEqual(list.body);

    const one = await rest(clientKey).get(`/paper-accounts/${id}`);
    expect(one.status).toBe(200);
    const { paperAccount } = await data<{
      paperAccount: Account & { metrics: { finalEquity: number; trades: number } };
    }>(clientKey, `{ paperAccount(id: "${id}") { ${ACCOUNT} } }`);
    expect(restShape(paperAccount)).toEqual(one.body);
    // The figures of the recorded books: equity summed over both markets, both round trips.
    expect(paperAccount.metrics.finalEquity).toBe(5030 + 5010);
    expect(paperAccount.metrics.trades).toBe(2);

    const trades = await rest(clientKey).get(`/paper-accounts/${id}/trades`, {
      query: {
        offset: 1,
        limit: 1,
      },
    });
    expect(trades.status).toBe(200);
    expect(trades.body).toEqual([
      expect.objectContaining({ symbol: 'BTC', profit: 20, exitReason: 'signal' }),
    ]);
    const { paperTrades } = await data(
      clientKey,
      `{ paperTrades(id: "${id}", offset: 1, limit: 1) { ${TRADE} } }`,
    );
    expect(paperTrades).toEqual(trades.body);

    const positions = await rest(clientKey).get(`/paper-accounts/${id}/positions`);
    expect(positions.status).toBe(200);
    expect(positions.body.map((p) => p.symbol)).toEqual(['BTC', 'ETH']);
    const { paperPositions } = await data(
      clientKey,
      `{ paperPositions(id: "${id}") { ${POSITION} } }`,
    );
    expect(paperPositions).toEqual(positions.body);

    const from = new Date(T0).toISOString();
    const to = String(T0 + 2 * HOUR_MS);
    const equity = await rest(clientKey).get(`/paper-accounts/${id}/equity`, {
      query: {
        from,
        to,
        limit: 2,
      },
    });
    expect(equity.status).toBe(200);
    expect(equity.body).toMatchObject({
      points: [{ equity: 10000 }, { equity: 5050 + 4990, positionValue: 5050 }],
      next: new Date(T0 + 2 * HOUR_MS).toISOString(),
    });
    const { paperEquity } = await data(
      clientKey,
      `{ paperEquity(id: "${id}", from: "${from}", to: "${to}", limit: 2) {
           points { time cash positionValue equity late } next } }`,
    );
    expect(paperEquity).toEqual(equity.body);
  });

  it('opens, pauses, resumes and closes an account by mutation, as the admin routes do', async () => {
    const { openPaperAccount: opened } = await data<{ openPaperAccount: Account }>(
      t.adminKey,
      `mutation { openPaperAccount(input: { name: "contract-mutations", strategy: "default",
         markets: ["ETH"], startingCash: 2500, feeRate: 0.002, sizing: { kind: "fraction", fraction: 0.5 } }) { ${ACCOUNT} } }`,
    );
    expect(opened).toMatchObject({
      name: 'contract-mutations',
      markets: ['ETH'],
      status: 'active',
      sizing: { kind: 'fraction', fraction: 0.5 },
    });
    const { id } = opened;
    expect(restShape(opened)).toEqual((await rest(t.adminKey).get(`/paper-accounts/${id}`)).body);
    // The same terms again: the same account (idempotent by name), as the REST route.
    const again = await rest(t.adminKey).post('/admin/paper-accounts', {
      body: {
        name: 'contract-mutations',
        strategy: 'default',
        markets: ['ETH'],
        startingCash: 2500,
        feeRate: 0.002,
        sizing: { kind: 'fraction', fraction: 0.5 },
      },
    });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(id);

    const paused = await data(
      t.adminKey,
      `mutation { setPaperAccountStatus(id: "${id}", status: "paused") { id status } }`,
    );
    expect(paused.setPaperAccountStatus).toEqual({ id, status: 'paused' });
    expect((await rest(clientKey).get(`/paper-accounts/${id}`)).body.status).toBe('paused');
    const resumed = await rest(t.adminKey).patch(`/admin/paper-accounts/${id}`, {
      body: {
        status: 'active',
      },
    });
    expect(resumed.status).toBe(200);
    expect(
      (await data(clientKey, `{ paperAccount(id: "${id}") { status } }`)).paperAccount,
    ).toEqual({ status: 'active' });

    const { closePaperAccount: closed } = await data<{
      closePaperAccount: Account & { closedAt: string | null };
    }>(t.adminKey, `mutation { closePaperAccount(id: "${id}") { ${ACCOUNT} } }`);
    expect(closed.status).toBe('closed');
    expect(closed.closedAt).not.toBeNull();
    const afterClose = (await rest(clientKey).get(`/paper-accounts/${id}`)).body;
    expect(afterClose).toMatchObject({ status: 'closed', closedAt: closed.closedAt });
    // A closed account stays closed: a conflict on both edges.
    const reopened = await gql(
      t.adminKey,
      `mutation { setPaperAccountStatus(id: "${id}", status: "active") { status } }`,
    );
    expect(reopened.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(
      (await rest(t.adminKey).patch(`/admin/paper-accounts/${id}`, { body: { status: 'active' } }))
        .status,
    ).toBe(409);
  });

  it('lets a client key read but not write, and refuses bad input naming the field', async () => {
    const { id } = account;
    const forbidden = [
      `mutation { openPaperAccount(input: { name: "by-client", strategy: "default", markets: ["BTC"], startingCash: 100 }) { id } }`,
      `mutation { setPaperAccountStatus(id: "${id}", status: "paused") { id } }`,
      `mutation { closePaperAccount(id: "${id}") { id } }`,
    ];
    for (const mutation of forbidden) {
      expect((await gql(clientKey, mutation)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(
      (
        await rest(clientKey).post('/admin/paper-accounts', {
          body: {
            name: 'by-client',
            strategy: 'default',
            markets: ['BTC'],
            startingCash: 100,
          },
        })
      ).status,
    ).toBe(403);
    expect(
      (await rest(clientKey).patch(`/admin/paper-accounts/${id}`, { body: { status: 'paused' } }))
        .status,
    ).toBe(403);
    expect((await rest(clientKey).delete(`/admin/paper-accounts/${id}`)).status).toBe(403);
    expect((await rest(clientKey).get(`/paper-accounts/${id}`)).body.status).toBe('active');
    // Without a key, not even reads.
    expect((await rest(t.adminKey).get('/paper-accounts', { key: null })).status).toBe(401);

    /** The fields a refused GraphQL operation names. */
    const refusedFields = async (query: string, key = clientKey) => {
      const { errors } = await gql(key, query);
      expect(errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
      return [...new Set(errors![0]!.extensions!.details!.map((d) => d.field))];
    };
    expect(await refusedFields(`{ paperAccount(id: "not-an-id") { id } }`)).toEqual(['id']);
    expect(await refusedFields(`{ paperTrades(id: "${id}", limit: 0) { symbol } }`)).toEqual([
      'limit',
    ]);
    expect(await refusedFields(`{ paperEquity(id: "${id}", from: "yesterday") { next } }`)).toEqual(
      ['from'],
    );
    expect(
      await refusedFields(
        `mutation { setPaperAccountStatus(id: "${id}", status: "closed") { id } }`,
        t.adminKey,
      ),
    ).toEqual(['status']);
    expect(
      await refusedFields(
        `mutation { openPaperAccount(input: { name: "bad-markets", strategy: "default", markets: ["BTC", "DOGE"], startingCash: 100 }) { id } }`,
        t.adminKey,
      ),
    ).toEqual(['markets[1]']);
    const notFound = await gql(
      clientKey,
      `
        {
          paperPositions(id: "00000000-0000-4000-8000-000000000000") {
            symbol
          }
        }
      `,
    );
    expect(notFound.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const bad = await rest(t.adminKey).post('/admin/paper-accounts', {
      body: {
        name: 'Bad Name',
        strategy: 'default',
        markets: ['BTC'],
        startingCash: -5,
      },
    });
    expect(bad.status).toBe(400);
    expect([...new Set(fieldProblems(bad.errorBody).map((d) => d.field))].sort()).toEqual([
      'name',
      'startingCash',
    ]);
    const badPage = await rest(clientKey).get(`/paper-accounts/${id}/trades`, {
      query: { limit: 0 },
    });
    expect(badPage.status).toBe(400);
    expect(fieldProblems(badPage.errorBody)[0]!.field).toBe('limit');
  });
});
