import { ArgsType, Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { WALK_FORWARD_DEFAULTS } from '../../models/engine/walk-forward-predictions';
import { GraphQLJSON } from 'graphql-scalars';
import { BeforeQueryField, LimitQueryField, stacked } from '../../common/query-fields';
import { FeeRateField, IntervalBodyField, SlippageField } from '../../common/body-fields';
import {
  NullableDateField,
  NullableIdField,
  NullableIntField,
  NullableStringField,
} from '../../common/nullable-fields';

export const SIZING_KINDS = ['all-in', 'fraction', 'volatility'] as const;

@InputType('BacktestSizingInput')
export class BacktestSizingDto {
  @ApiProperty({
    enum: SIZING_KINDS,
    description:
      'all-in: the whole equity per entry; fraction: a fixed share; volatility: targetVolatility / predicted volatility per candle at the decision candle (at most maxFraction)',
  })
  @Field(() => String)
  @IsIn(SIZING_KINDS, { message: `kind must be one of ${SIZING_KINDS.join(', ')}` })
  kind!: (typeof SIZING_KINDS)[number];

  @ApiPropertyOptional({ example: 0.5, description: 'fraction: share of equity per entry' })
  @Field(() => Float, { nullable: true })
  @ValidateIf(
    (sizing: BacktestSizingDto) => sizing.kind === 'fraction' || sizing.fraction !== undefined,
  )
  @IsNumber()
  @Min(0.01)
  @Max(1)
  fraction?: number;

  @ApiPropertyOptional({
    example: 0.01,
    description:
      "volatility: standard deviation of the position's one-candle return aimed at (0.01 = 1%)",
  })
  @Field(() => Float, { nullable: true })
  @ValidateIf(
    (sizing: BacktestSizingDto) =>
      sizing.kind === 'volatility' || sizing.targetVolatility !== undefined,
  )
  @IsNumber()
  @IsPositive()
  @Max(1)
  targetVolatility?: number;

  @ApiPropertyOptional({ default: 1, description: 'volatility: largest share of equity per entry' })
  @Field(() => Float, { nullable: true })
  @IsOptional()
  @IsNumber()
  @Min(0.01)
  @Max(1)
  maxFraction?: number;
}

/** `sizing`: how a run (backtest or paper account) sizes its entries, optional. */
export function SizingBodyField(description: string): PropertyDecorator {
  return stacked(
    ApiPropertyOptional({ type: BacktestSizingDto, description }),
    Field(() => BacktestSizingDto, { nullable: true }),
    IsOptional(),
    ValidateNested(),
    Type(() => BacktestSizingDto),
  );
}

@InputType('CreateBacktestInput')
export class CreateBacktestDto {
  @ApiProperty({ example: 'default', description: 'Strategy name (its active version) or id' })
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(80)
  strategy!: string;
  @ApiProperty({ example: 'BTC' })
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  symbol!: string;
  @IntervalBodyField()
  interval?: string;
  @ApiProperty({ example: '2022-01-01' }) @Field() @IsString() @MaxLength(40) from!: string;
  @ApiProperty({ example: '2022-12-31T23:00:00Z' }) @Field() @IsString() @MaxLength(40) to!: string;
  @ApiPropertyOptional({ default: 10000 })
  @Field(() => Float, { nullable: true })
  @IsOptional()
  @IsNumber()
  @Min(1)
  @Max(1e12)
  startingCash?: number;
  @FeeRateField()
  feeRate?: number;
  @SlippageField()
  slippage?: number;
  @ApiPropertyOptional({
    default: true,
    description:
      'When the strategy reads the model and stored live predictions do not cover the range: train models walk-forward (each only on candles before the block it predicts)',
  })
  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  walkForward?: boolean;

  @ApiPropertyOptional({
    default: WALK_FORWARD_DEFAULTS.retrainEvery,
    description: 'Candles per walk-forward block (a model is trained for each)',
  })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(24)
  @Max(100_000)
  retrainEvery?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Model parameters of the walk-forward models (defaults, 10 epochs)',
  })
  @Field(() => GraphQLJSON, { nullable: true })
  @IsOptional()
  @IsObject()
  modelParams?: Record<string, number>;

  @ApiPropertyOptional({
    default: 1,
    description: 'Share of equity per entry (1 = all-in); a shorthand of sizing {kind: fraction}',
  })
  @Field(() => Float, { nullable: true })
  @IsOptional()
  @IsNumber()
  @Min(0.01)
  @Max(1)
  fraction?: number;

  @SizingBodyField(
    "Position sizing (not with fraction); default: the strategy's sizing, else all-in",
  )
  sizing?: BacktestSizingDto;
}

@ObjectType('BacktestRun')
export class BacktestRunDto {
  @ApiProperty() @Field(() => ID) backtestId!: string;
  @ApiProperty() @Field(() => ID) jobId!: string;
}

@ObjectType('Backtest')
export class BacktestDto {
  @ApiProperty() @Field(() => ID) id!: string;
  @ApiProperty() @Field(() => ID) strategyId!: string;
  @ApiProperty() @Field() symbol!: string;
  @ApiProperty() @Field() pair!: string;
  @ApiProperty() @Field() interval!: string;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() from!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() to!: Date;
  @ApiProperty({ type: 'object', additionalProperties: true })
  @Field(() => GraphQLJSON)
  params!: Record<string, unknown>;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'] }) @Field() status!: string;
  @NullableIdField()
  jobId!: string | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'strategy and buyAndHold metrics',
  })
  @Field(() => GraphQLJSON, { nullable: true })
  result!: Record<string, unknown> | null;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'array', items: { type: 'number' } },
    nullable: true,
    description: '[time, equity] pairs',
  })
  @Field(() => GraphQLJSON, { nullable: true })
  equity!: [number, number][] | null;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'array', items: { type: 'number' } },
    nullable: true,
    description:
      "Buy-and-hold's [time, equity] pairs at the same times as equity: the starting cash less the entry fee bought at the first open (with slippage), marked at each close, sold at the last close less the fee (null before the run completed)",
  })
  @Field(() => GraphQLJSON, { nullable: true })
  buyAndHoldEquity!: [number, number][] | null;
  @NullableIntField()
  tradeCount!: number | null;
  @NullableStringField()
  error!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() createdAt!: Date;
  @NullableDateField()
  finishedAt!: Date | null;
}

@ArgsType()
export class BacktestsQueryDto {
  @ApiPropertyOptional({ description: 'Only the backtests of this strategy version (id)' })
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  strategyId?: string;

  @ApiPropertyOptional({
    example: 'BTC',
    description: 'Only the backtests of this market (a base or a pair, configured or not)',
  })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9/_-]{1,40}$/, {
    message: 'symbol must be a base asset or a pair (letters, digits, - _ /)',
  })
  symbol?: string;

  @LimitQueryField({ default: 100, maximum: 1000 })
  limit?: number;

  @BeforeQueryField({
    description:
      'Backtests created before this time (ISO-8601 or epoch ms), for paging: the last createdAt of a page',
  })
  before?: string;
}

/** A backtest in a list: what ran and how it ended, without its curves and trades. */
@ObjectType('BacktestSummary')
export class BacktestSummaryDto {
  @ApiProperty() @Field(() => ID) id!: string;
  @ApiProperty() @Field(() => ID) strategyId!: string;
  @NullableStringField()
  strategyName!: string | null;
  @NullableIntField()
  strategyVersion!: number | null;
  @ApiProperty() @Field() symbol!: string;
  @ApiProperty() @Field() pair!: string;
  @ApiProperty() @Field() interval!: string;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() from!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() to!: Date;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed'] }) @Field() status!: string;
  @NullableIdField()
  jobId!: string | null;
  @NullableStringField()
  error!: string | null;
  @NullableIntField()
  tradeCount!: number | null;
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: "The strategy's total return (0.1 = +10%), once completed",
  })
  @Field(() => Float, { nullable: true })
  totalReturn!: number | null;
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: "Buy-and-hold's total return over the same candles, once completed",
  })
  @Field(() => Float, { nullable: true })
  buyAndHoldReturn!: number | null;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() createdAt!: Date;
  @NullableDateField()
  finishedAt!: Date | null;
}

/** One round trip of a backtest (`GET /backtests/{id}/trades`); times in epoch milliseconds. */
export class BacktestTradeDto {
  @ApiProperty({ description: 'Open time of the entry candle, epoch ms' }) entryTime!: number;
  @ApiProperty() entryPrice!: number;
  @ApiProperty({ description: 'Open time of the exit candle, epoch ms' }) exitTime!: number;
  @ApiProperty() exitPrice!: number;
  @ApiProperty() quantity!: number;
  @ApiProperty({ description: 'Fees of both fills' }) fees!: number;
  @ApiProperty({ description: 'Proceeds minus cost, after fees' }) profit!: number;
  @ApiProperty() returnPct!: number;
  @ApiProperty({ enum: ['signal', 'stop-loss', 'take-profit', 'end'] }) exitReason!: string;
}
