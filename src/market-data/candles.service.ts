import { Injectable } from '@nestjs/common';
import { ValidationException } from '../common/app.exception';
import { decodeTimeCursor, encodeTimeCursor } from '../common/page-cursor';
import { MAX_TIME_MS, parseTime } from '../common/time-param';
import { JobName } from '../queue/queue.catalogue';
import { QueueService } from '../queue/queue.service';
import type { EnqueuedJobDto } from '../queue/dto/job.dto';
import type { BackfillDto, CandlesQueryDto } from './dto/candles.dto';
import { CandlePageDto, MarketDto } from './dto/candles.dto';
import { CandlesRepository } from './candles.repository';
import { KnownGapsRepository } from './known-gaps.repository';
import { MarketCatalogue, intervalMs } from './market-catalogue';
import { StreamStateService } from './stream/stream-state.service';
import { ExchangeStatusService } from './sync/exchange-status.service';

const DEFAULT_LIMIT = 500;

/** Candle history and market summaries, shared by REST and GraphQL. */
@Injectable()
export class CandlesService {
  constructor(
    private readonly candles: CandlesRepository,
    private readonly catalogue: MarketCatalogue,
    private readonly knownGaps: KnownGapsRepository,
    private readonly streamState: StreamStateService,
    private readonly exchangeStatus: ExchangeStatusService,
    private readonly queues: QueueService,
  ) {}

  /** Enqueues a backfill of one market and range; the same range is never fetched twice at once. */
  async requestBackfill(input: BackfillDto): Promise<EnqueuedJobDto> {
    const symbol = this.catalogue.resolveSymbol(input.symbol);
    const interval = this.catalogue.resolveInterval(input.interval);
    const from = parseTime(input.from, 'from');
    const to = input.to === undefined ? null : parseTime(input.to, 'to');
    if (to !== null && from > to) {
      throw new ValidationException([{ field: 'from', problem: 'must not be after to' }]);
    }
    const step = intervalMs(interval);
    const alignedFrom = Math.floor(from / step) * step;
    const pair = this.catalogue.pair(symbol);
    const jobId = await this.queues.enqueue({
      name: JobName.Backfill,
      payload: { symbol, interval, from: alignedFrom, to, reason: 'admin' },
      exclusiveKey: `${this.catalogue.exchange}-${pair}-${interval}-${alignedFrom}-${to ?? 'latest'}`,
    });
    return { jobId };
  }

  async getCandles(symbolInput: string, query: CandlesQueryDto): Promise<CandlePageDto> {
    const symbol = this.catalogue.resolveSymbol(symbolInput);
    const interval = this.catalogue.resolveInterval(query.interval);
    let from = query.from === undefined ? 0 : parseTime(query.from, 'from');
    const to = query.to === undefined ? MAX_TIME_MS : parseTime(query.to, 'to');
    if (from > to) {
      throw new ValidationException([{ field: 'from', problem: 'must not be after to' }]);
    }
    if (query.cursor !== undefined) {
      from = Math.max(from, decodeTimeCursor(query.cursor));
    }
    const limit = query.limit ?? DEFAULT_LIMIT;
    const pair = this.catalogue.pair(symbol);
    const rows = await this.candles.find({
      exchange: this.catalogue.exchange,
      symbol: pair,
      interval,
      from,
      to,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      symbol,
      pair,
      interval,
      candles: page.map((candle) => ({
        openTime: new Date(candle.openTime),
        open: candle.open,
        high: candle.high,
        low: candle.low,
        close: candle.close,
        volume: candle.volume,
        quoteVolume: candle.quoteVolume,
        tradeCount: candle.tradeCount,
      })),
      nextCursor: rows.length > limit && last ? encodeTimeCursor(last.openTime + 1) : null,
    };
  }

  async getMarkets(): Promise<MarketDto[]> {
    const exchange = this.catalogue.exchange;
    const [summaries, stream, pause] = await Promise.all([
      this.candles.summaries(exchange),
      this.streamState.read(),
      this.exchangeStatus.current(),
    ]);
    const now = Date.now();
    const markets = this.catalogue.bases.flatMap((symbol) =>
      this.catalogue.intervals.map((interval) => ({ symbol, interval })),
    );
    const gaps = await Promise.all(
      markets.map(({ symbol, interval }) =>
        this.knownGaps.list({ exchange, symbol: this.catalogue.pair(symbol), interval }),
      ),
    );
    return markets.map(({ symbol, interval }, index) => {
      const pair = this.catalogue.pair(symbol);
      const step = intervalMs(interval);
      const summary = summaries.find((s) => s.symbol === pair && s.interval === interval);
      const expected = summary ? (summary.last - summary.first) / step + 1 : 0;
      const lastClosed = stream.lastClosed[`${pair}:${interval}`];
      return {
        symbol,
        pair,
        interval,
        exchange: this.catalogue.exchange,
        firstOpenTime: summary ? new Date(summary.first) : null,
        lastOpenTime: summary ? new Date(summary.last) : null,
        count: summary?.count ?? 0,
        missing: summary ? expected - summary.count : 0,
        knownGaps: (gaps[index] ?? []).map((gap) => ({
          from: new Date(gap.from),
          to: new Date(gap.to),
          candles: (gap.to - gap.from) / step + 1,
          checks: gap.checks,
          confirmed: gap.confirmed,
        })),
        live: {
          connected: stream.connected,
          status: stream.status,
          leaseAgeMs: stream.leaseAgeMs,
          owner: stream.owner,
          lastClosedOpenTime: lastClosed === undefined ? null : new Date(lastClosed),
          lagMs: summary ? Math.max(0, now - (summary.last + 2 * step)) : null,
          exchangePausedUntil: pause && pause.until > now ? new Date(pause.until) : null,
          exchangePauseReason: pause && pause.until > now ? pause.message : null,
        },
      };
    });
  }
}
