import { Injectable, Logger } from '@nestjs/common';
import { SentimentPointsRepository } from '../sentiment-points.repository';
import { readFearGreedCsv, type RejectedCsvRow } from './fear-greed-csv.reader';

export interface FearGreedImportSummary {
  rowsRead: number;
  inserted: number;
  updated: number;
  alreadyPresent: number;
  rejected: RejectedCsvRow[];
}

/** Imports Fear & Greed history from a `date,value,classification` CSV, idempotently. */
@Injectable()
export class FearGreedImportService {
  private readonly logger = new Logger(FearGreedImportService.name);

  constructor(private readonly points: SentimentPointsRepository) {}

  async import(path: string): Promise<FearGreedImportSummary> {
    const csv = await readFearGreedCsv(path);
    const written = await this.points.upsert(csv.points);
    const summary = {
      rowsRead: csv.points.length + csv.rejected.length,
      inserted: written.inserted,
      updated: written.updated,
      alreadyPresent: written.unchanged,
      rejected: csv.rejected,
    };
    this.logger.log(
      `Imported Fear & Greed history from ${path}: ${summary.rowsRead} rows, ${summary.inserted} inserted, ` +
        `${summary.updated} updated, ${summary.alreadyPresent} already present, ${summary.rejected.length} rejected`,
    );
    return summary;
  }
}
