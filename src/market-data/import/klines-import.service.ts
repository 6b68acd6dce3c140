import { Injectable, Logger } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { candleProblem, type Candle, type MarketKey } from '../candle';
import { CandleWriter } from '../candle-writer.service';
import { MarketCatalogue, MarketDataException, intervalMs } from '../market-catalogue';
import { readKlineFile } from './kline-file.reader';

const BATCH_SIZE = 50_000;
const EXAMPLES_PER_REASON = 5;

export interface ImportSummary {
  market: MarketKey;
  files: number;
  rowsRead: number;
  inserted: number;
  updated: number;
  alreadyPresent: number;
  rejected: number;
  /** Reason -> how many rows, and the first few `file:line` places. */
  rejectedByReason: Record<string, { count: number; examples: string[] }>;
}

/** Imports kline files (Binance dumps or header CSVs) into `candles`, idempotently. */
@Injectable()
export class KlinesImportService {
  private readonly logger = new Logger(KlinesImportService.name);

  constructor(
    private readonly candles: CandleWriter,
    private readonly catalogue: MarketCatalogue,
  ) {}

  async import(params: {
    symbol: string;
    interval: string;
    paths: string[];
    /** Called after every batch and every file. */
    onProgress?: (progress: { filesDone: number; rowsRead: number }) => void;
  }): Promise<ImportSummary> {
    const catalogue = this.catalogue;
    const base = catalogue.resolveSymbol(params.symbol);
    const interval = catalogue.resolveInterval(params.interval);
    const market: MarketKey = {
      exchange: catalogue.exchange,
      symbol: catalogue.pair(base),
      interval,
    };
    const stepMs = intervalMs(interval);
    for (const path of params.paths) {
      await stat(path).catch(() => {
        throw new MarketDataException('NOT_FOUND', `No file at ${path}`);
      });
    }
    const summary: ImportSummary = {
      market,
      files: params.paths.length,
      rowsRead: 0,
      inserted: 0,
      updated: 0,
      alreadyPresent: 0,
      rejected: 0,
      rejectedByReason: {},
    };
    const reject = (reason: string, place: string) => {
      summary.rejected++;
      const entry = (summary.rejectedByReason[reason] ??= { count: 0, examples: [] });
      entry.count++;
      if (entry.examples.length < EXAMPLES_PER_REASON) {
        entry.examples.push(place);
      }
    };
    let batch: Candle[] = [];
    // One batch is written while the next one is parsed: the database and the parser overlap.
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      const rows = batch;
      batch = [];
      await writing;
      writing = this.candles.upsert(market, rows).then((result) => {
        summary.inserted += result.inserted;
        summary.updated += result.updated;
        summary.alreadyPresent += result.unchanged;
      });
      // Surface a failed write at the next await, not as an unhandled rejection meanwhile.
      writing.catch(() => undefined);
    };
    for (const [index, path] of params.paths.entries()) {
      for await (const rows of readKlineFile(path)) {
        for (const row of rows) {
          summary.rowsRead++;
          if ('problem' in row) {
            reject(row.problem, `${path}:${row.line}`);
            continue;
          }
          const problem = candleProblem(row.candle, stepMs);
          if (problem) {
            reject(problem, `${path}:${row.line}`);
            continue;
          }
          batch.push(row.candle);
        }
        if (batch.length >= BATCH_SIZE) {
          await flush();
          params.onProgress?.({ filesDone: index, rowsRead: summary.rowsRead });
        }
      }
      params.onProgress?.({ filesDone: index + 1, rowsRead: summary.rowsRead });
    }
    await flush();
    await writing;
    this.logger.log(
      `Imported ${summary.rowsRead} rows of ${market.symbol} ${market.interval} from ${summary.files} file(s): ` +
        `${summary.inserted} inserted, ${summary.updated} updated, ${summary.alreadyPresent} already present, ${summary.rejected} rejected`,
    );
    return summary;
  }
}
