import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Candle } from '../candle';

export type KlineRow = { line: number; candle: Candle } | { line: number; problem: string };

/** Binance dumps switched from milliseconds to microseconds in 2025; a µs time has 16 digits. */
const MICROSECONDS_ABOVE = 1e14;

/** `Number()`, except that an empty or blank cell is NaN rather than 0 (checked only when 0). */
function toNumber(text: string | undefined): number {
  if (text === undefined) {
    return Number.NaN;
  }
  const value = Number(text);
  return value === 0 && text.trim() === '' ? Number.NaN : value;
}

function toOptional(text: string | undefined): number | null {
  if (text === undefined) {
    return null;
  }
  const value = Number(text);
  if (value === 0 && text.trim() === '') {
    return null;
  }
  return Number.isFinite(value) ? value : Number.NaN;
}

function toMilliseconds(raw: number): number {
  return raw > MICROSECONDS_ABOVE ? Math.floor(raw / 1000) : raw;
}

/**
 * Parses one line of either format:
 * - CSV with a header `open_time_ms,open,high,low,close,volume` (as in shared/data);
 * - Binance's public dumps (data.binance.vision): 12 columns, no header, times in ms or µs.
 */
export function parseKlineLine(text: string, line: number): KlineRow | undefined {
  const trimmed = text.trim();
  const first = trimmed.charCodeAt(0) | 0x20; // lower-cased letter, or NaN | 0x20 for ""
  if (!trimmed || (first >= 0x61 && first <= 0x7a) || trimmed.charCodeAt(0) === 0x5f) {
    return undefined; // blank line or a header
  }
  const cells = trimmed.split(',');
  if (cells.length !== 6 && cells.length !== 12) {
    return { line, problem: `expected 6 or 12 columns, found ${cells.length}` };
  }
  const openTimeRaw = toNumber(cells[0]);
  const candle: Candle = {
    openTime: toMilliseconds(openTimeRaw),
    open: toNumber(cells[1]),
    high: toNumber(cells[2]),
    low: toNumber(cells[3]),
    close: toNumber(cells[4]),
    volume: toNumber(cells[5]),
    quoteVolume: cells.length === 12 ? toOptional(cells[7]) : null,
    tradeCount: cells.length === 12 ? toOptional(cells[8]) : null,
    takerBuyBaseVolume: cells.length === 12 ? toOptional(cells[9]) : null,
    takerBuyQuoteVolume: cells.length === 12 ? toOptional(cells[10]) : null,
  };
  const optional = [
    candle.quoteVolume,
    candle.tradeCount,
    candle.takerBuyBaseVolume,
    candle.takerBuyQuoteVolume,
  ];
  if (optional.some((value) => value !== null && (!Number.isFinite(value) || value < 0))) {
    return { line, problem: 'a quote volume, trade count or taker volume is not a number >= 0' };
  }
  return { line, candle };
}

function openZipEntry(path: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) {
        reject(error ?? new Error(`Cannot open ${path}`));
        return;
      }
      zip.on('entry', (entry: yauzl.Entry) => {
        if (/\/$/.test(entry.fileName) || !/\.csv$/i.test(entry.fileName)) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) {
            reject(streamError ?? new Error(`Cannot read ${entry.fileName} in ${path}`));
          } else {
            stream.on('end', () => zip.close());
            resolve(stream);
          }
        });
      });
      zip.on('end', () => reject(new Error(`${path} holds no .csv file`)));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/**
 * The rows of a kline file, zipped (first .csv inside) or not, parsed in batches: one batch per
 * chunk read (64 KB), so a million-line file costs a few thousand awaits, not a million.
 */
export async function* readKlineFile(path: string): AsyncGenerator<KlineRow[]> {
  const input = /\.zip$/i.test(path)
    ? await openZipEntry(path)
    : createReadStream(path, { highWaterMark: 1 << 16 });
  input.setEncoding('utf8');
  let line = 0;
  let rest = '';
  const parse = (texts: readonly string[]): KlineRow[] => {
    const rows: KlineRow[] = [];
    for (const text of texts) {
      line++;
      const row = parseKlineLine(text, line);
      if (row) {
        rows.push(row);
      }
    }
    return rows;
  };
  for await (const chunk of input as AsyncIterable<string>) {
    const texts = (rest + chunk).split('\n');
    rest = texts.pop() ?? '';
    yield parse(texts);
  }
  if (rest) {
    yield parse([rest]);
  }
}
