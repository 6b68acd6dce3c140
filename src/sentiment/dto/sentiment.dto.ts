import { ArgsType, Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { LimitQueryField, SymbolArg, TimeQueryField } from '../../common/query-fields';
import {
  NullableDateField,
  NullableFloatField,
  NullableStringField,
} from '../../common/nullable-fields';

export const SENTIMENT_SOURCES = ['lunarcrush', 'fear-greed'] as const;

@ArgsType()
export class SentimentQueryDto {
  @ApiPropertyOptional({
    enum: SENTIMENT_SOURCES,
    description: 'One source; default: every source with data for the symbol',
  })
  @Field({ nullable: true })
  @IsOptional()
  @IsIn(SENTIMENT_SOURCES, { message: `source must be one of ${SENTIMENT_SOURCES.join(', ')}` })
  source?: string;

  @TimeQueryField({
    description:
      'First bucket time, ISO-8601 or epoch ms; default: the newest `limit` points up to `to`',
  })
  from?: string;

  @TimeQueryField({ description: 'Last bucket time, ISO-8601 or epoch ms; default: now' })
  to?: string;

  @LimitQueryField({ description: 'Points per series', default: 500, maximum: 5000 })
  limit?: number;
}

/** GraphQL arguments of `sentiment`: the query plus the symbol (a path parameter in REST). */
@ArgsType()
export class SentimentArgs extends SentimentQueryDto {
  @SymbolArg('BTC (or BTCUSDT), or MARKET for market-wide series')
  symbol!: string;
}

@ObjectType('SentimentPoint')
export class SentimentPointDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'Start of the bucket (hour or UTC day)',
  })
  @Field()
  time!: Date;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'When the value became known: the earliest time a model may use it',
  })
  @Field()
  availableAt!: Date;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: '0-100: share of positive posts (LunarCrush) or the index (Fear & Greed)',
  })
  @Field(() => Float, { nullable: true })
  sentiment!: number | null;

  @NullableFloatField()
  galaxyScore!: number | null;
  @NullableFloatField()
  altRank!: number | null;
  @NullableFloatField()
  interactions!: number | null;
  @NullableFloatField()
  socialDominance!: number | null;
  @NullableFloatField()
  contributorsActive!: number | null;
  @NullableFloatField()
  postsActive!: number | null;
  @NullableFloatField()
  spam!: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Fear & Greed label' })
  @Field(() => String, { nullable: true })
  classification!: string | null;
}

@ObjectType('SentimentSeries')
export class SentimentSeriesDto {
  @ApiProperty({ enum: SENTIMENT_SOURCES }) @Field() source!: string;

  @ApiProperty({ description: 'BTC, or MARKET for market-wide series such as Fear & Greed' })
  @Field()
  symbol!: string;

  @ApiProperty({ type: [SentimentPointDto] })
  @Field(() => [SentimentPointDto])
  points!: SentimentPointDto[];
}

@ObjectType('Sentiment')
export class SentimentDto {
  @ApiProperty({ example: 'BTC' }) @Field() symbol!: string;

  @ApiProperty({ type: [SentimentSeriesDto] })
  @Field(() => [SentimentSeriesDto])
  series!: SentimentSeriesDto[];
}

@ObjectType('LatestSentiment')
export class LatestSentimentDto {
  @ApiProperty({ enum: SENTIMENT_SOURCES }) @Field() source!: string;
  @ApiProperty() @Field() symbol!: string;

  @ApiPropertyOptional({ type: SentimentPointDto, nullable: true })
  @Field(() => SentimentPointDto, { nullable: true })
  point!: SentimentPointDto | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: 'Milliseconds since the point became known',
  })
  @Field(() => Float, { nullable: true })
  ageMs!: number | null;
}

@ObjectType('SentimentSeriesSummary')
export class SentimentSeriesSummaryDto {
  @ApiProperty() @Field() symbol!: string;
  @ApiProperty() @Field(() => Int) count!: number;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() first!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() last!: Date;
}

@ObjectType('SentimentSource')
export class SentimentSourceDto {
  @ApiProperty({ enum: SENTIMENT_SOURCES }) @Field() name!: string;

  @ApiProperty({ enum: ['coin', 'market'] }) @Field() scope!: string;

  @ApiProperty({ description: 'Bucket length in milliseconds' })
  @Field(() => Float)
  granularityMs!: number;

  @ApiProperty() @Field() enabled!: boolean;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Why it is disabled (config, or a refused key)',
  })
  @Field(() => String, { nullable: true })
  disabledReason!: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The source asked us to wait until then (429)',
  })
  @Field(() => Date, { nullable: true })
  pausedUntil!: Date | null;

  @NullableDateField()
  lastPolledAt!: Date | null;

  @NullableStringField()
  lastError!: string | null;

  @ApiProperty({ type: [SentimentSeriesSummaryDto] })
  @Field(() => [SentimentSeriesSummaryDto])
  series!: SentimentSeriesSummaryDto[];
}
