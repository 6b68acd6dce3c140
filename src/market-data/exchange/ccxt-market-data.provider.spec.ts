import { CcxtMarketDataProvider } from './ccxt-market-data.provider';

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
