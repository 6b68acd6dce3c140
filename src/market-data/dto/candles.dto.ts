import { ArgsType, Field, Float, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  CursorQueryField,
  IntervalQueryField,
  LimitQueryField,
  SYMBOL_FORMS,
  SymbolArg,
  TimeQueryField,
} from '../../common/query-fields';
import type { StreamStatus } from '../stream/stream-state.service';
import {
  NullableDateField,
  NullableFloatField,
  NullableIntField,
  NullableStringField,
} from '../../common/nullable-fields';

/** The `interval` of reads over candles (candles, indicators). */
export const CANDLE_INTERVAL = {
  description: 'Candle interval; default: the longest configured one',
  example: '1h',
};

/** The `limit` of reads over candles (candles, indicators). */
export const CANDLE_PAGE_LIMIT = { description: 'Candles per page', default: 500, maximum: 1000 };

@ArgsType()
export class CandlesQueryDto {
  @IntervalQueryField(CANDLE_INTERVAL)
  interval?: string;

  @TimeQueryField({
    description: 'First open time, ISO-8601 or epoch milliseconds',
    example: '2021-01-01T00:00:00Z',
  })
  from?: string;

  @TimeQueryField({ description: 'Last open time, ISO-8601 or epoch milliseconds' })
  to?: string;

  @LimitQueryField(CANDLE_PAGE_LIMIT)
  limit?: number;

  @CursorQueryField({ description: 'The nextCursor of the previous page' })
  cursor?: string;
}

/** GraphQL arguments of `candles`: the query plus the symbol (a path parameter in REST). */
@ArgsType()
export class CandlesArgs extends CandlesQueryDto {
  @SymbolArg(SYMBOL_FORMS)
  symbol!: string;
}

@ObjectType('Candle')
export class CandleDto {
  @ApiProperty({ type: String, format: 'date-time' })
  @Field()
  openTime!: Date;

  @ApiProperty() @Field(() => Float) open!: number;
  @ApiProperty() @Field(() => Float) high!: number;
  @ApiProperty() @Field(() => Float) low!: number;
  @ApiProperty() @Field(() => Float) close!: number;

  @ApiProperty({ description: 'Base-asset volume' })
  @Field(() => Float)
  volume!: number;

  @NullableFloatField()
  quoteVolume!: number | null;

  @NullableIntField()
  tradeCount!: number | null;
}

@ObjectType('CandlePage')
export class CandlePageDto {
  @ApiProperty({ example: 'BTC' }) @Field() symbol!: string;
  @ApiProperty({ example: 'BTCUSDT' }) @Field() pair!: string;
  @ApiProperty({ example: '1h' }) @Field() interval!: string;
  @ApiProperty({ type: [CandleDto] }) @Field(() => [CandleDto]) candles!: CandleDto[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Pass as cursor for the next page; null on the last',
  })
  @Field(() => String, { nullable: true })
  nextCursor!: string | null;
}

@ObjectType('KnownGap')
export class KnownGapDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'Open time of the first missing candle',
  })
  @Field()
  from!: Date;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'Open time of the last missing candle',
  })
  @Field()
  to!: Date;

  @ApiProperty({ description: 'Missing candles in the range' })
  @Field(() => Int)
  candles!: number;

  @ApiProperty({ description: 'Times the exchange answered the range as empty' })
  @Field(() => Int)
  checks!: number;

  @ApiProperty({ description: 'Confirmed often enough: routine repair no longer fetches it' })
  @Field()
  confirmed!: boolean;
}

@ObjectType('LiveStreamState')
export class LiveStreamStateDto {
  @ApiProperty({
    description:
      "A worker holds the exchange websocket, it is connected and the worker renewed its lease on time (status 'connected')",
  })
  @Field()
  connected!: boolean;

  @ApiProperty({
    enum: ['connected', 'disconnected', 'unknown'],
    description:
      "connected; disconnected (no owner, or the owner's websocket is not up: connecting, a takeover, an outage); unknown: the owner missed a lease renewal (dead or stalled), so what it last reported may be stale until a survivor takes over",
  })
  @Field(() => String, {
    description: 'connected, disconnected, or unknown (the owner missed a lease renewal)',
  })
  status!: StreamStatus;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description:
      'Milliseconds since the stream owner last took or renewed its lease (every third of STREAM_LEASE_MS while alive); null without an owner',
  })
  @Field(() => Float, { nullable: true })
  leaseAgeMs!: number | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'The worker that owns the stream',
  })
  @Field(() => String, { nullable: true })
  owner!: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Newest candle closed on the live stream',
  })
  @Field(() => Date, { nullable: true })
  lastClosedOpenTime!: Date | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: 'Milliseconds since the newest stored candle closed',
  })
  @Field(() => Float, { nullable: true })
  lagMs!: number | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The exchange banned or paused us until then',
  })
  @Field(() => Date, { nullable: true })
  exchangePausedUntil!: Date | null;

  @NullableStringField()
  exchangePauseReason!: string | null;
}

@ObjectType('Market')
export class MarketDto {
  @ApiProperty({ example: 'BTC' }) @Field() symbol!: string;
  @ApiProperty({ example: 'BTCUSDT' }) @Field() pair!: string;
  @ApiProperty({ example: '1h' }) @Field() interval!: string;
  @ApiProperty({ example: 'binanceus' }) @Field() exchange!: string;

  @NullableDateField()
  firstOpenTime!: Date | null;

  @NullableDateField()
  lastOpenTime!: Date | null;

  @ApiProperty({ description: 'Stored candles' })
  @Field(() => Float)
  count!: number;

  @ApiProperty({
    description:
      'Candles missing between the first and the last on the interval grid (known gaps included)',
  })
  @Field(() => Float)
  missing!: number;

  @ApiProperty({
    type: [KnownGapDto],
    description: 'Ranges the exchange answered as empty (outages)',
  })
  @Field(() => [KnownGapDto])
  knownGaps!: KnownGapDto[];

  @ApiProperty({ type: () => LiveStreamStateDto })
  @Field(() => LiveStreamStateDto)
  live!: LiveStreamStateDto;
}

@InputType('BackfillInput')
export class BackfillDto {
  @ApiProperty({ example: 'BTC', description: 'BTC, BTCUSDT or BTC-USDT' })
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  symbol!: string;

  @ApiProperty({ example: '1h' })
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(8)
  interval!: string;

  @ApiProperty({
    example: '2022-01-01T00:00:00Z',
    description: 'First open time, ISO-8601 or epoch milliseconds',
  })
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  from!: string;

  @ApiPropertyOptional({ description: 'Last open time; default: up to the last closed candle' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;
}
