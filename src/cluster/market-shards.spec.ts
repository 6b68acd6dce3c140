import { shardOwner } from './market-shards.service';

const MARKETS = Array.from({ length: 400 }, (_, i) => `M${i}USDT:1h`);
const MEMBERS = ['host-a:101:1a2b3c4d', 'host-a:102:5e6f7a8b', 'host-b:201:9c0d1e2f'];

describe('shardOwner (rendezvous hashing)', () => {
  it('gives every market one owner and spreads them about evenly', () => {
    const counts = new Map<string, number>();
    for (const market of MARKETS) {
      const owner = shardOwner(MEMBERS, market)!;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...MEMBERS].sort());
    for (const count of counts.values()) {
      // 400 / 3 = 133; a binomial's spread is about 9.
      expect(count).toBeGreaterThan(100);
      expect(count).toBeLessThan(170);
    }
  });

  it('moves only the markets of a member that leaves, and only to the others', () => {
    const before = new Map(MARKETS.map((market) => [market, shardOwner(MEMBERS, market)]));
    const survivors = MEMBERS.filter((member) => member !== MEMBERS[1]);
    for (const market of MARKETS) {
      const after = shardOwner(survivors, market);
      if (before.get(market) === MEMBERS[1]) {
        expect(survivors).toContain(after);
      } else {
        expect(after).toBe(before.get(market));
      }
    }
  });

  it('does not depend on the order members are listed in, and has no owner without members', () => {
    const reversed = [...MEMBERS].reverse();
    for (const market of MARKETS.slice(0, 50)) {
      expect(shardOwner(reversed, market)).toBe(shardOwner(MEMBERS, market));
    }
    expect(shardOwner([], MARKETS[0]!)).toBeUndefined();
  });
});
