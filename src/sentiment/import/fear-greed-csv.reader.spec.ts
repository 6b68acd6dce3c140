import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '../../simulator/candle-series.fixtures';
import { pointWithoutSocialMetrics } from '../sources/source-spec-support';
import { parseFearGreedCsv, readFearGreedCsv } from './fear-greed-csv.reader';

const FIXTURE = fixturePath('sentiment', 'fear-greed-2021-01-01_2021-03-31.csv');

describe('readFearGreedCsv', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fear-greed-csv-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the 2021 Q1 fixture: golden numbers', async () => {
    const { points, rejected } = await readFearGreedCsv(FIXTURE);

    expect(rejected).toEqual([]);
    expect(points).toHaveLength(90);
    expect(points[0]).toEqual(
      pointWithoutSocialMetrics({
        source: 'fear-greed',
        symbol: 'MARKET',
        time: Date.UTC(2021, 0, 1),
        sentiment: 94,
        classification: 'Extreme Greed',
      }),
    );
    expect(points[89]).toMatchObject({
      time: Date.UTC(2021, 2, 31),
      sentiment: 76,
      classification: 'Extreme Greed',
    });
    const values = points.map((point) => point.sentiment ?? Number.NaN);
    expect(values.reduce((sum, value) => sum + value, 0)).toBe(7103);
    expect(Math.min(...values)).toBe(38);
    expect(Math.max(...values)).toBe(95);
    const byClass = new Map<string, number>();
    points.forEach((point) =>
      byClass.set(point.classification ?? '', (byClass.get(point.classification ?? '') ?? 0) + 1),
    );
    expect(Object.fromEntries(byClass)).toEqual({
      'Extreme Greed': 60,
      Greed: 27,
      Neutral: 1,
      Fear: 2,
    });
    // One point a day, at UTC midnight, ascending.
    points.forEach((point, index) => {
      expect(point.time).toBe(Date.UTC(2021, 0, 1 + index));
    });
  });

  it('lists bad rows with their line and reason and keeps the good ones', async () => {
    const path = join(dir, 'bad.csv');
    await writeFile(
      path,
      [
        'date,value,classification',
        '2021-01-02,94,Extreme Greed',
        '2021-02-30,50,Neutral',
        '2021/01/03,50,Neutral',
        '2021-01-04,101,Extreme Greed',
        '2021-01-05,-1,Extreme Fear',
        '2021-01-06,abc,Fear',
        '2021-01-07,50,Euphoria',
        '2021-01-08,50',
        '',
        '2021-01-02,90,Extreme Greed',
        '2021-01-01,25,fear',
        '',
      ].join('\r\n'),
    );
    const { points, rejected } = await readFearGreedCsv(path);

    expect(points.map((point) => [point.time, point.sentiment, point.classification])).toEqual([
      [Date.UTC(2021, 0, 1), 25, 'Fear'],
      [Date.UTC(2021, 0, 2), 94, 'Extreme Greed'],
    ]);
    expect(rejected).toEqual([
      { line: 3, reason: 'bad date "2021-02-30" (expected YYYY-MM-DD)' },
      { line: 4, reason: 'bad date "2021/01/03" (expected YYYY-MM-DD)' },
      { line: 5, reason: 'value 101 is outside 0-100' },
      { line: 6, reason: 'value -1 is outside 0-100' },
      { line: 7, reason: 'value "abc" is not a number' },
      {
        line: 8,
        reason:
          'unknown classification "Euphoria" (expected one of Extreme Fear, Fear, Neutral, Greed, Extreme Greed)',
      },
      { line: 9, reason: 'expected 3 columns, found 2' },
      { line: 11, reason: 'duplicate date 2021-01-02 (first on line 2)' },
    ]);
  });

  it('refuses a file that is not a Fear & Greed CSV', async () => {
    const path = join(dir, 'klines.csv');
    await writeFile(path, 'open_time_ms,open,high,low,close,volume\n1,2,3,4,5,6\n');
    await expect(readFearGreedCsv(path)).rejects.toThrow(
      `${path} is not a Fear & Greed CSV: expected the header "date,value,classification", found "open_time_ms,open,high,low,close,volume"`,
    );
    expect(() => parseFearGreedCsv('')).toThrow('CSV is not a Fear & Greed CSV');
  });
});
