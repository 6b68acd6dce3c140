import { Injectable } from '@nestjs/common';
import { ValidationException } from '../common/app.exception';
import { parseTime } from '../common/time-param';
import { MarketCatalogue } from '../market-data/market-catalogue';
import type { EnqueuedJobDto } from '../queue/dto/job.dto';
import { JobName } from '../queue/queue.catalogue';
import { QueueService } from '../queue/queue.service';
import {
  LatestSentimentDto,
  SENTIMENT_SOURCES,
  SentimentDto,
  SentimentPointDto,
  SentimentSourceDto,
  type SentimentQueryDto,
} from './dto/sentiment.dto';
import { alignSentiment, sentimentAvailableAt, type AlignedSentiment } from './sentiment-alignment';
import { SentimentPointsRepository } from './sentiment-points.repository';
import { SentimentSources } from './sentiment-sources';
import {
  MARKET_SYMBOL,
  type SentimentPoint,
  type SentimentSource,
  type SentimentSourceName,
} from './sources/sentiment.source';

const DEFAULT_LIMIT = 500;

function pointDto(point: SentimentPoint): SentimentPointDto {
  return Object.assign(new SentimentPointDto(), {
    time: new Date(point.time),
    availableAt: new Date(sentimentAvailableAt(point)),
    sentiment: point.sentiment,
    galaxyScore: point.galaxyScore,
    altRank: point.altRank,
    interactions: point.interactions,
    socialDominance: point.socialDominance,
    contributorsActive: point.contributorsActive,
    postsActive: point.postsActive,
    spam: point.spam,
    classification: point.classification,
  });
}

/** Sentiment as clients, models and strategies read it. */
@Injectable()
export class SentimentService {
  constructor(
    private readonly points: SentimentPointsRepository,
    private readonly sources: SentimentSources,
    private readonly catalogue: MarketCatalogue,
    private readonly queues: QueueService,
  ) {}

  /** Admin: poll a source now (history first if none is stored); one poll per source at a time. */
  async requestPoll(sourceInput: string): Promise<EnqueuedJobDto> {
    const source = SENTIMENT_SOURCES.find((name) => name === sourceInput);
    if (!source) {
      throw new ValidationException([
        { field: 'source', problem: `must be one of ${SENTIMENT_SOURCES.join(', ')}` },
      ]);
    }
    const jobId = await this.queues.enqueue({
      name: JobName.SentimentPoll,
      payload: { source },
      exclusiveKey: `admin-${source}`,
    });
    return { jobId };
  }

  /** The series that speak about `symbol`: its coin series, and the market-wide ones. */
  private seriesFor(
    symbolInput: string,
    sourceName?: string,
  ): { source: SentimentSource; symbol: string }[] {
    const market = symbolInput.trim().toUpperCase() === MARKET_SYMBOL;
    const base = market ? MARKET_SYMBOL : this.catalogue.resolveSymbol(symbolInput);
    return this.sources.all
      .filter((source) => !sourceName || source.getName() === sourceName)
      .filter((source) => !market || source.scope === 'market')
      .map((source) => ({ source, symbol: source.scope === 'market' ? MARKET_SYMBOL : base }));
  }

  async getSentiment(symbolInput: string, query: SentimentQueryDto): Promise<SentimentDto> {
    const series = this.seriesFor(symbolInput, query.source);
    const to = query.to === undefined ? Date.now() : parseTime(query.to, 'to');
    const from = query.from === undefined ? 0 : parseTime(query.from, 'from');
    if (from > to) {
      throw new ValidationException([{ field: 'from', problem: 'must not be after to' }]);
    }
    const limit = query.limit ?? DEFAULT_LIMIT;
    const symbol =
      symbolInput.trim().toUpperCase() === MARKET_SYMBOL
        ? MARKET_SYMBOL
        : this.catalogue.resolveSymbol(symbolInput);
    return Object.assign(new SentimentDto(), {
      symbol,
      series: await Promise.all(
        series.map(async ({ source, symbol: seriesSymbol }) => ({
          source: source.getName(),
          symbol: seriesSymbol,
          points: (
            await this.points.list({
              source: source.getName(),
              symbol: seriesSymbol,
              from,
              to,
              limit,
              newest: query.from === undefined,
            })
          ).map(pointDto),
        })),
      ),
    });
  }

  async getLatest(symbolInput: string): Promise<LatestSentimentDto[]> {
    const now = Date.now();
    return Promise.all(
      this.seriesFor(symbolInput).map(async ({ source, symbol }) => {
        const point = await this.points.latest(source.getName(), symbol);
        return Object.assign(new LatestSentimentDto(), {
          source: source.getName(),
          symbol,
          point: point ? pointDto(point) : null,
          ageMs: point ? Math.max(0, now - sentimentAvailableAt(point)) : null,
        });
      }),
    );
  }

  async getSources(): Promise<SentimentSourceDto[]> {
    const summaries = await this.points.seriesSummary();
    return Promise.all(
      this.sources.all.map(async (source) => {
        const name = source.getName();
        const state = await this.sources.state(name);
        const status = source.isEnabled();
        return Object.assign(new SentimentSourceDto(), {
          name,
          scope: source.scope,
          granularityMs: source.granularityMs,
          enabled: status.enabled && !state.disabledReason,
          disabledReason: status.enabled ? (state.disabledReason ?? null) : status.reason,
          pausedUntil:
            state.pausedUntil && state.pausedUntil > Date.now()
              ? new Date(state.pausedUntil)
              : null,
          lastPolledAt: state.lastPolledAt ? new Date(state.lastPolledAt) : null,
          lastError: state.lastError ?? null,
          series: summaries
            .filter((summary) => summary.source === name)
            .map((summary) => ({
              symbol: summary.symbol,
              count: summary.count,
              first: new Date(summary.first),
              last: new Date(summary.last),
            })),
        });
      }),
    );
  }

  /**
   * For models and strategies: for each candle of `symbol`, the latest point of each series known
   * at the candle's close (never a later one), with its age.
   */
  async alignToCandles(params: {
    symbol: string;
    candles: readonly { openTime: number }[];
    intervalMs: number;
    maxAgeMs?: number;
  }): Promise<Map<SentimentSourceName, (AlignedSentiment | null)[]>> {
    const aligned = new Map<SentimentSourceName, (AlignedSentiment | null)[]>();
    const first = params.candles[0];
    const last = params.candles[params.candles.length - 1];
    if (!first || !last) {
      return aligned;
    }
    for (const { source, symbol } of this.seriesFor(params.symbol)) {
      const lookbackMs = params.maxAgeMs ?? 7 * 86_400_000;
      const points = await this.points.list({
        source: source.getName(),
        symbol,
        from: first.openTime - lookbackMs - source.granularityMs,
        to: last.openTime + params.intervalMs,
        limit: 1_000_000,
      });
      aligned.set(
        source.getName(),
        alignSentiment(params.candles, params.intervalMs, points, {
          maxAgeMs: params.maxAgeMs ?? lookbackMs,
        }),
      );
    }
    return aligned;
  }
}
