import type { ListedMarket } from './exchange/market-data.provider';
import { MarketCatalogue, selectMarkets } from './market-catalogue';

function listed(baseAsset: string, overrides: Partial<ListedMarket> = {}): ListedMarket {
  return {
    symbol: `${baseAsset}USDT`,
    baseAsset,
    quoteAsset: 'USDT',
    trading: true,
    quoteVolume24h: 5_000_000,
    ...overrides,
  };
}

describe('selectMarkets (SYMBOLS=*)', () => {
  const listing = [
    listed('SOL'),
    listed('BTC'),
    listed('LUNA', { trading: false }),
    listed('DUST', { quoteVolume24h: 999 }),
    listed('NEW', { quoteVolume24h: null }),
    listed('ETH', { symbol: 'ETHBTC', quoteAsset: 'BTC' }),
    listed('bad', { symbol: 'badUSDT' }),
  ];

  it('keeps trading pairs of the quote at or above the volume floor, sorted', () => {
    expect(selectMarkets(listing, { quote: 'USDT', minQuoteVolume: 1000 })).toEqual({
      bases: ['BTC', 'SOL'],
      notTrading: 1,
      belowVolume: 2,
      unnamed: 1,
    });
  });

  it('without a floor, a pair whose volume the exchange does not give is kept', () => {
    expect(selectMarkets(listing, { quote: 'USDT', minQuoteVolume: 0 }).bases).toEqual([
      'BTC',
      'DUST',
      'NEW',
      'SOL',
    ]);
  });
});

describe('MarketCatalogue', () => {
  it('names the pair of a base and the base of a pair; an unknown symbol lists 20 of the known', () => {
    const bases = Array.from({ length: 30 }, (_, i) => `C${String(i + 1).padStart(4, '0')}`);
    const catalogue = new MarketCatalogue('binance', bases, 'USDT', ['1h']);
    expect(catalogue.baseOf('C0007USDT')).toBe('C0007');
    expect(catalogue.baseOf('XYZUSDT')).toBe('XYZUSDT');
    expect(catalogue.resolveSymbol('c0030-usdt')).toBe('C0030');
    expect(() => catalogue.resolveSymbol('NOPE')).toThrow(/C0020 and 10 more$/);
  });
});
