import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCandleCsv } from './candle-series';

describe('readCandleCsv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cft-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const T0 = Date.UTC(2024, 0, 1);

  it('reads a header file, a headerless Binance dump in microseconds, and CRLF alike', () => {
    const withHeader = readCandleCsv(
      file('header.csv', `open_time_ms,open,high,low,close,volume\r\n${T0},10,11,9,10.5,3\r\n`),
    );
    expect(withHeader).toHaveLength(1);
    expect(withHeader[0]).toMatchObject({ openTime: T0, close: 10.5, volume: 3 });
    const dump = readCandleCsv(
      file(
        'dump.csv',
        `${T0 * 1000},10,11,9,10.5,3,${T0 * 1000 + 3_599_999_999},31.5,7,1.5,15.75,0\n` +
          `${(T0 + 3_600_000) * 1000},10.5,12,10,11,4,${(T0 + 3_600_000) * 1000 + 3_599_999_999},44,9,2,22,0\n`,
      ),
    );
    // The first row is a candle, not a header, and keeps its own quote volume.
    expect(dump.map((candle) => candle.openTime)).toEqual([T0, T0 + 3_600_000]);
    expect(dump[0]).toMatchObject({ quoteVolume: 31.5, tradeCount: 7 });
  });

  it('stops at rows that are not candles, naming their lines', () => {
    expect(() =>
      readCandleCsv(
        file(
          'dates.csv',
          `open_time,open,high,low,close,volume\n2021-01-01 00:00:00,10,11,9,10.5,3\n${T0},10,11,9,0,3\n`,
        ),
      ),
    ).toThrow(/2 row\(s\) are not candles \(line 2: .*; line 3: /);
    expect(() =>
      readCandleCsv(file('empty.csv', 'open_time_ms,open,high,low,close,volume\n')),
    ).toThrow(/holds no candles/);
  });
});
