import { readFile } from 'node:fs/promises';
import {
  FEAR_GREED_CLASSIFICATIONS,
  fearGreedPoint,
  type FearGreedClassification,
} from '../sources/fear-greed.source';
import type { SentimentPoint } from '../sources/sentiment.source';

const FEAR_GREED_CSV_HEADER = 'date,value,classification';

/** A row that was not imported: its 1-based line number in the file, and why. */
export interface RejectedCsvRow {
  line: number;
  reason: string;
}

export interface FearGreedCsv {
  /** One point per valid row (time = UTC midnight of the date), ascending by time. */
  points: SentimentPoint[];
  rejected: RejectedCsvRow[];
}

const CLASSIFICATION_BY_LOWER = new Map<string, FearGreedClassification>(
  FEAR_GREED_CLASSIFICATIONS.map((label) => [label.toLowerCase(), label]),
);

/** The UTC midnight of a `YYYY-MM-DD` date, or undefined when it is not a real date. */
function utcMidnight(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) {
    return undefined;
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = Date.UTC(year, month - 1, day);
  const date = new Date(time);
  const real =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real ? time : undefined;
}

/**
 * Parses a Fear & Greed CSV (`date,value,classification`, as in the shared data set): valid rows
 * become points, the others are listed with their line and reason (bad date, value not a number
 * or outside 0-100, unknown classification, wrong column count, a date seen before). A file
 * without that header is refused as a whole.
 */
export function parseFearGreedCsv(text: string, name = 'CSV'): FearGreedCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  const header = (lines[headerIndex] ?? '')
    .trim()
    .toLowerCase()
    .replace(/\s*,\s*/g, ',');
  if (header !== FEAR_GREED_CSV_HEADER) {
    throw new Error(
      `${name} is not a Fear & Greed CSV: expected the header "${FEAR_GREED_CSV_HEADER}", found "${(lines[headerIndex] ?? '').slice(0, 80)}"`,
    );
  }
  const points: SentimentPoint[] = [];
  const rejected: RejectedCsvRow[] = [];
  const lineOfDate = new Map<number, number>();
  for (let index = headerIndex + 1; index < lines.length; index++) {
    const lineText = (lines[index] ?? '').trim();
    const line = index + 1;
    if (lineText === '') {
      continue;
    }
    const cells = lineText.split(',').map((cell) => cell.trim());
    if (cells.length !== 3) {
      rejected.push({ line, reason: `expected 3 columns, found ${cells.length}` });
      continue;
    }
    const [dateText = '', valueText = '', classificationText = ''] = cells;
    const time = utcMidnight(dateText);
    if (time === undefined) {
      rejected.push({ line, reason: `bad date "${dateText}" (expected YYYY-MM-DD)` });
      continue;
    }
    const value = valueText === '' ? Number.NaN : Number(valueText);
    if (!Number.isFinite(value)) {
      rejected.push({ line, reason: `value "${valueText}" is not a number` });
      continue;
    }
    if (value < 0 || value > 100) {
      rejected.push({ line, reason: `value ${value} is outside 0-100` });
      continue;
    }
    const classification = CLASSIFICATION_BY_LOWER.get(classificationText.toLowerCase());
    if (!classification) {
      rejected.push({
        line,
        reason: `unknown classification "${classificationText}" (expected one of ${FEAR_GREED_CLASSIFICATIONS.join(', ')})`,
      });
      continue;
    }
    const firstLine = lineOfDate.get(time);
    if (firstLine !== undefined) {
      rejected.push({ line, reason: `duplicate date ${dateText} (first on line ${firstLine})` });
      continue;
    }
    lineOfDate.set(time, line);
    points.push(fearGreedPoint({ time, value, classification }));
  }
  points.sort((a, b) => a.time - b.time);
  return { points, rejected };
}

/** Reads a Fear & Greed CSV file; see `parseFearGreedCsv`. */
export async function readFearGreedCsv(path: string): Promise<FearGreedCsv> {
  return parseFearGreedCsv(await readFile(path, 'utf8'), path);
}
