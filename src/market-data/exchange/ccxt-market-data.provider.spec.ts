import { CcxtMarketDataProvider } from './ccxt-market-data.provider';
import { weightBudgetOf } from './exchange-request-pacer';

describe('CcxtMarketDataProvider', () => {
  it('pages by what ccxt knows of the exchange (a page shorter than assumed ended the backfill)', async () => {
    const expected = { binance: 1000, coinbase: 300, okx: 300, kraken: 720 };
    for (const [exchangeId, limit] of Object.entries(expected)) {
      const provider = new CcxtMarketDataProvider({ exchangeId });
      // Loads the exchange (no network: ccxt's own description of it).
      await (provider as unknown as { exchange(): Promise<unknown> }).exchange();
      expect([exchangeId, provider.maxCandlesPerRequest]).toEqual([exchangeId, limit]);
      await provider.close();
    }
  });
});

describe('weightBudgetOf', () => {
  it("reads the REQUEST_WEIGHT limit of exchangeInfo's rateLimits, with its window and header", () => {
    const rateLimits = [
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
    ];
    expect(weightBudgetOf(rateLimits)).toEqual({
      limit: 6000,
      windowMs: 60_000,
      header: 'x-mbx-used-weight-1m',
    });
    expect(
      weightBudgetOf([
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'SECOND', intervalNum: 5, limit: 300 },
      ]),
    ).toEqual({ limit: 300, windowMs: 5000, header: 'x-mbx-used-weight-5s' });
    expect(weightBudgetOf(undefined)).toBeUndefined();
    expect(
      weightBudgetOf([{ rateLimitType: 'REQUEST_WEIGHT', interval: 'WEEK', intervalNum: 1 }]),
    ).toBeUndefined();
  });
});
