import { Injectable } from '@nestjs/common';
import { ValidationException } from '../common/app.exception';
import { MAX_TIME_MS, parseTime } from '../common/time-param';
import type { Candle } from '../market-data/candle';
import { CandleWindowCache } from '../market-data/candle-window.cache';
import { CandlesRepository } from '../market-data/candles.repository';
import { MarketCatalogue, intervalMs } from '../market-data/market-catalogue';
import { describeIndicatorCatalogue } from './engine/indicator-catalogue';
import { computeIndicators } from './engine/indicator-computation';
import {
  IndicatorSpecError,
  parseIndicatorList,
  type IndicatorSpec,
} from './engine/indicator-spec';
import {
  DEFAULT_INDICATORS,
  IndicatorDescriptionDto,
  IndicatorsDto,
  LatestIndicatorsDto,
  type IndicatorsLatestQueryDto,
  type IndicatorsQueryDto,
} from './dto/indicators.dto';
import { seedCandles } from './indicator-window';
import { LiveIndicatorsCache } from './live/live-indicators.cache';

const DEFAULT_LIMIT = 500;

/** Indicators as clients read them: aligned series over a candle range, the latest values, the catalogue. */
@Injectable()
export class IndicatorsService {
  constructor(
    private readonly candles: CandlesRepository,
    private readonly recent: CandleWindowCache,
    private readonly catalogue: MarketCatalogue,
    private readonly live: LiveIndicatorsCache,
  ) {}

  /** Specs from `names`, or a 400 naming the bad one and listing what is valid. */
  parseNames(names: string | undefined): IndicatorSpec[] {
    try {
      return parseIndicatorList(names ?? DEFAULT_INDICATORS);
    } catch (error) {
      if (error instanceof IndicatorSpecError) {
        throw new ValidationException([{ field: 'names', problem: error.message }]);
      }
      throw error;
    }
  }

  getCatalogue(): IndicatorDescriptionDto[] {
    return describeIndicatorCatalogue().map((description) =>
      Object.assign(new IndicatorDescriptionDto(), description),
    );
  }

  async getIndicators(symbolInput: string, query: IndicatorsQueryDto): Promise<IndicatorsDto> {
    const symbol = this.catalogue.resolveSymbol(symbolInput);
    const interval = this.catalogue.resolveInterval(query.interval);
    const specs = this.parseNames(query.names);
    const from = query.from === undefined ? undefined : parseTime(query.from, 'from');
    const to = query.to === undefined ? MAX_TIME_MS : parseTime(query.to, 'to');
    if (from !== undefined && from > to) {
      throw new ValidationException([{ field: 'from', problem: 'must not be after to' }]);
    }
    const limit = query.limit ?? DEFAULT_LIMIT;
    const market = {
      exchange: this.catalogue.exchange,
      symbol: this.catalogue.pair(symbol),
      interval,
    };
    const step = intervalMs(interval);
    const seed = seedCandles(specs, step);
    let window: Candle[];
    let shown: Candle[];
    let next: Candle | undefined;
    if (from === undefined) {
      // The newest `limit` candles and the seed before them, from the in-memory window when fresh.
      window = await this.recent.newest(market, { count: limit + seed, to });
      shown = window.slice(-limit);
    } else {
      // The page, one candle more to know whether another page follows, then the seed before it.
      const page = await this.candles.find({ ...market, from, to, limit: limit + 1 });
      next = page[limit];
      shown = page.slice(0, limit);
      const first = shown[0];
      const before = first
        ? await this.candles.find({
            ...market,
            from: 0,
            to: first.openTime - step,
            limit: seed,
            newest: true,
          })
        : [];
      window = [...before, ...shown];
    }
    const skip = window.length - shown.length;
    const series = computeIndicators(window, specs);
    return Object.assign(new IndicatorsDto(), {
      symbol,
      pair: market.symbol,
      interval,
      openTimes: shown.map((candle) => new Date(candle.openTime)),
      indicators: series.map(({ spec, outputs, columns }) => ({
        key: spec.key,
        name: spec.name,
        params: [...spec.params],
        outputs: outputs.map((name) => ({ name, values: (columns[name] ?? []).slice(skip) })),
      })),
      nextFrom: next ? new Date(next.openTime).toISOString() : null,
    });
  }

  async getLatest(
    symbolInput: string,
    query: IndicatorsLatestQueryDto,
  ): Promise<LatestIndicatorsDto> {
    const symbol = this.catalogue.resolveSymbol(symbolInput);
    const interval = this.catalogue.resolveInterval(query.interval);
    const specs = this.parseNames(query.names);
    const market = {
      exchange: this.catalogue.exchange,
      symbol: this.catalogue.pair(symbol),
      interval,
    };
    const last = await this.candles.lastOpenTime(market);
    const base = { symbol, pair: market.symbol, interval };
    if (last === undefined) {
      return Object.assign(new LatestIndicatorsDto(), {
        ...base,
        openTime: null,
        close: null,
        source: 'computed',
        indicators: [],
      });
    }
    const cached = await this.live.read(market);
    if (cached && cached.openTime === last && specs.every((spec) => cached.values[spec.key])) {
      return Object.assign(new LatestIndicatorsDto(), {
        ...base,
        openTime: new Date(cached.openTime),
        close: cached.close,
        source: 'live',
        indicators: specs.map((spec) => ({
          key: spec.key,
          name: spec.name,
          params: [...spec.params],
          outputs: Object.entries(cached.values[spec.key] ?? {}).map(([name, value]) => ({
            name,
            value,
          })),
        })),
      });
    }
    const step = intervalMs(interval);
    const count = seedCandles(specs, step) + 1;
    // From the table when the in-memory window has not heard of the newest candle yet.
    const window = (await this.recent.endingAt(market, { count, openTime: last })) ?? [];
    const series = computeIndicators(window, specs);
    const lastIndex = window.length - 1;
    return Object.assign(new LatestIndicatorsDto(), {
      ...base,
      openTime: new Date(last),
      close: window[lastIndex]?.close ?? null,
      source: 'computed',
      indicators: series.map(({ spec, outputs, columns }) => ({
        key: spec.key,
        name: spec.name,
        params: [...spec.params],
        outputs: outputs.map((name) => ({ name, value: columns[name]?.[lastIndex] ?? null })),
      })),
    });
  }
}
