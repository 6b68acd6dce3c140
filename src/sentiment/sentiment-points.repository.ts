import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SentimentPoint, SentimentSourceName } from './sources/sentiment.source';

export interface SentimentUpsertResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

const VALUE_COLUMNS = [
  'sentiment',
  'galaxy_score',
  'alt_rank',
  'interactions',
  'social_dominance',
  'contributors_active',
  'posts_active',
  'spam',
  'classification',
  'raw',
] as const;

interface PointRow {
  source: SentimentSourceName;
  symbol: string;
  time_ms: string;
  sentiment: number | null;
  galaxy_score: number | null;
  alt_rank: number | null;
  interactions: number | null;
  social_dominance: number | null;
  contributors_active: number | null;
  posts_active: number | null;
  spam: number | null;
  classification: string | null;
}

const SELECT = `SELECT source, symbol, (extract(epoch FROM time) * 1000)::bigint AS time_ms, sentiment,
  galaxy_score, alt_rank, interactions, social_dominance, contributors_active, posts_active, spam, classification
  FROM sentiment_points`;

function pointOf(row: PointRow): SentimentPoint {
  return {
    source: row.source,
    symbol: row.symbol,
    time: Number(row.time_ms),
    sentiment: row.sentiment,
    galaxyScore: row.galaxy_score,
    altRank: row.alt_rank,
    interactions: row.interactions,
    socialDominance: row.social_dominance,
    contributorsActive: row.contributors_active,
    postsActive: row.posts_active,
    spam: row.spam,
    classification: row.classification,
  };
}

/** Sentiment SQL: idempotent bulk upsert and the reads of the API, models and strategies. */
@Injectable()
export class SentimentPointsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Writes points idempotently (one statement): new inserted, changed updated, identical left alone. */
  async upsert(points: readonly SentimentPoint[]): Promise<SentimentUpsertResult> {
    if (!points.length) {
      return { inserted: 0, updated: 0, unchanged: 0 };
    }
    const unique = new Map<string, SentimentPoint>();
    for (const point of points) {
      unique.set(`${point.source}\t${point.symbol}\t${point.time}`, point);
    }
    const rows = [...unique.values()].map((point) => ({
      source: point.source,
      symbol: point.symbol,
      time_ms: point.time,
      sentiment: point.sentiment,
      galaxy_score: point.galaxyScore,
      alt_rank: point.altRank,
      interactions: point.interactions,
      social_dominance: point.socialDominance,
      contributors_active: point.contributorsActive,
      posts_active: point.postsActive,
      spam: point.spam,
      classification: point.classification,
      raw: point.raw ?? null,
    }));
    const result: { inserted: string; updated: string }[] = await this.dataSource.query(
      `WITH upserted AS (
         INSERT INTO sentiment_points (source, symbol, time, ${VALUE_COLUMNS.join(', ')})
         SELECT source, symbol, to_timestamp(time_ms / 1000.0), ${VALUE_COLUMNS.join(', ')}
           FROM jsonb_to_recordset($1::jsonb) AS x(source varchar, symbol varchar, time_ms bigint,
             sentiment float8, galaxy_score float8, alt_rank float8, interactions float8,
             social_dominance float8, contributors_active float8, posts_active float8, spam float8,
             classification varchar, raw jsonb)
         ON CONFLICT (source, symbol, time) DO UPDATE SET
           ${VALUE_COLUMNS.map((column) => `${column} = excluded.${column}`).join(', ')}, fetched_at = now()
         WHERE (${VALUE_COLUMNS.map((column) => `sentiment_points.${column}`).join(', ')})
           IS DISTINCT FROM (${VALUE_COLUMNS.map((column) => `excluded.${column}`).join(', ')})
         RETURNING (xmax = 0) AS inserted
       )
       SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated
         FROM upserted`,
      [JSON.stringify(rows)],
    );
    const inserted = Number(result[0]?.inserted ?? 0);
    const updated = Number(result[0]?.updated ?? 0);
    return { inserted, updated, unchanged: rows.length - inserted - updated };
  }

  /**
   * Points of one series with time in [from, to], ascending, at most `limit`: the first ones, or
   * with `newest` the last ones of the range.
   */
  async list(params: {
    source: SentimentSourceName;
    symbol: string;
    from: number;
    to: number;
    limit: number;
    newest?: boolean;
  }): Promise<SentimentPoint[]> {
    const rows: PointRow[] = await this.dataSource.query(
      `${SELECT} WHERE source = $1 AND symbol = $2 AND time >= to_timestamp($3 / 1000.0)
         AND time <= to_timestamp($4 / 1000.0) ORDER BY time ${params.newest ? 'DESC' : 'ASC'} LIMIT $5`,
      [params.source, params.symbol, params.from, params.to, params.limit],
    );
    const points = rows.map(pointOf);
    return params.newest ? points.reverse() : points;
  }

  /** The newest point of one series, or undefined. */
  async latest(source: SentimentSourceName, symbol: string): Promise<SentimentPoint | undefined> {
    const rows: PointRow[] = await this.dataSource.query(
      `${SELECT} WHERE source = $1 AND symbol = $2 ORDER BY time DESC LIMIT 1`,
      [source, symbol],
    );
    return rows[0] ? pointOf(rows[0]) : undefined;
  }

  /** How many points each stored series has, with its first and last time. */
  async seriesSummary(): Promise<
    { source: string; symbol: string; count: number; first: number; last: number }[]
  > {
    const rows: {
      source: string;
      symbol: string;
      count: string;
      first_ms: string;
      last_ms: string;
    }[] = await this.dataSource.query(
      `SELECT source, symbol, count(*) AS count, (extract(epoch FROM min(time)) * 1000)::bigint AS first_ms,
                (extract(epoch FROM max(time)) * 1000)::bigint AS last_ms
           FROM sentiment_points GROUP BY source, symbol ORDER BY source, symbol`,
    );
    return rows.map((row) => ({
      source: row.source,
      symbol: row.symbol,
      count: Number(row.count),
      first: Number(row.first_ms),
      last: Number(row.last_ms),
    }));
  }
}
