import { applyDecorators } from '@nestjs/common';
import { ArgsType, Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsNumber,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
} from 'class-validator';
import { BacktestSizingDto, SizingBodyField } from '../../strategy/dto/backtest.dto';
import { PAPER_ACCOUNT_STATUSES, type PaperAccountStatus } from '../paper.entities';
import { OFFSET_PAGE_LIMIT, OffsetPageQueryDto } from '../../common/offset-page.dto';
import { LimitQueryField, TimeQueryField } from '../../common/query-fields';
import { FeeRateField, IntervalBodyField, SlippageField } from '../../common/body-fields';
import { NullableDateField, NullableFloatField } from '../../common/nullable-fields';

/** Markets one account may follow. */
const MAX_PAPER_MARKETS = 50;

@InputType('CreatePaperAccountInput')
export class CreatePaperAccountDto {
  @ApiProperty({
    example: 'btc-forward',
    description: 'Unique; a repeated request with the same terms returns the account',
  })
  @Field()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,79}$/, {
    message: 'name must be 1-80 lowercase letters, digits or "-"',
  })
  name!: string;

  @ApiProperty({
    example: 'default',
    description: 'Strategy name (its active version) or id; the account keeps that version',
  })
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(80)
  strategy!: string;

  @ApiProperty({
    example: ['BTC', 'ETH'],
    description: 'Base assets; each gets an equal share of the cash',
  })
  @Field(() => [String])
  @IsArray()
  @ArrayMinSize(1, { message: 'markets must name at least one market' })
  @ArrayMaxSize(MAX_PAPER_MARKETS)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  markets!: string[];

  @IntervalBodyField('Candle interval (default PREDICT_INTERVAL)')
  interval?: string;

  @ApiProperty({ example: 10000 })
  @Field(() => Float)
  @IsNumber()
  @IsPositive({ message: 'startingCash must be a positive number' })
  @Max(1e12)
  startingCash!: number;

  @FeeRateField()
  feeRate?: number;

  @SlippageField('Slippage per fill')
  slippage?: number;

  @SizingBodyField("Position sizing; default: the strategy's sizing, else all-in")
  sizing?: BacktestSizingDto;
}

/** The status an account may be set to, as the PATCH body and the GraphQL mutation take it. */
const StatusChange = () =>
  applyDecorators(
    ApiProperty({
      enum: ['active', 'paused'],
      description: 'paused: decisions are ignored (positions kept, guards on)',
    }),
    Field(() => String, { description: 'active or paused' }),
    IsIn(['active', 'paused'], { message: 'status must be one of active, paused' }),
  );

@InputType('UpdatePaperAccountInput')
export class UpdatePaperAccountDto {
  @StatusChange()
  status!: 'active' | 'paused';
}

@ObjectType('PaperMetrics')
export class PaperMetricsDto {
  @ApiProperty() @Field(() => Float) finalEquity!: number;
  @ApiProperty() @Field(() => Float) totalReturn!: number;
  @ApiProperty() @Field(() => Float) cagr!: number;
  @ApiProperty() @Field(() => Float) sharpe!: number;
  @ApiProperty() @Field(() => Float) sortino!: number;
  @ApiProperty() @Field(() => Float) maxDrawdown!: number;
  @ApiProperty({ type: Number, nullable: true }) @Field(() => Float, { nullable: true }) winRate!:
    number | null;
  @ApiProperty({ type: Number, nullable: true })
  @Field(() => Float, { nullable: true })
  profitFactor!: number | null;
  @ApiProperty() @Field(() => Int) trades!: number;
  @ApiProperty({ description: 'Share of candles with a position open' })
  @Field(() => Float)
  exposure!: number;
  @ApiProperty() @Field(() => Float) feesPaid!: number;
}

@ObjectType('PaperStrategyRef')
export class PaperStrategyRefDto {
  @ApiProperty() @Field(() => ID) id!: string;
  @ApiProperty() @Field() name!: string;
  @ApiProperty() @Field(() => Int) version!: number;
}

@ObjectType('PaperSizing')
export class PaperSizingDto {
  @ApiProperty() @Field() kind!: string;
  @ApiPropertyOptional() @Field(() => Float, { nullable: true }) fraction?: number;
  @ApiPropertyOptional() @Field(() => Float, { nullable: true }) targetVolatility?: number;
  @ApiPropertyOptional() @Field(() => Float, { nullable: true }) maxFraction?: number;
}

@ObjectType('PaperAccount')
export class PaperAccountDto {
  @ApiProperty() @Field(() => ID) id!: string;
  @ApiProperty() @Field() name!: string;
  @ApiProperty({ type: PaperStrategyRefDto })
  @Field(() => PaperStrategyRefDto)
  strategy!: PaperStrategyRefDto;
  @ApiProperty({ type: [String] }) @Field(() => [String]) markets!: string[];
  @ApiProperty() @Field() interval!: string;
  @ApiProperty() @Field(() => Float) startingCash!: number;
  @ApiProperty() @Field(() => Float) feeRate!: number;
  @ApiProperty() @Field(() => Float) slippage!: number;
  @ApiProperty({ type: PaperSizingDto }) @Field(() => PaperSizingDto) sizing!: PaperSizingDto;
  @ApiProperty({ enum: PAPER_ACCOUNT_STATUSES })
  @Field(() => String, { description: PAPER_ACCOUNT_STATUSES.join(', ') })
  status!: PaperAccountStatus;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() createdAt!: Date;
  @NullableDateField()
  closedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', description: 'The first candle decided at' })
  @Field()
  startTime!: Date;
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'The last candle every market has stepped (null before the first)',
  })
  @Field(() => Date, { nullable: true })
  lastCandle!: Date | null;
  @ApiProperty({
    description: 'Candles filled with a decision taken late (after a restart or an outage)',
  })
  @Field(() => Int)
  lateCandles!: number;
  @ApiProperty({ type: PaperMetricsDto, description: 'The account since its first candle' })
  @Field(() => PaperMetricsDto)
  metrics!: PaperMetricsDto;
  @ApiPropertyOptional({
    type: PaperMetricsDto,
    nullable: true,
    description:
      'Buy-and-hold of the same markets (equal shares) over the same candles (GET /paper-accounts/{id} only)',
  })
  @Field(() => PaperMetricsDto, { nullable: true })
  buyAndHold!: PaperMetricsDto | null;
  @ApiPropertyOptional({
    type: PaperMetricsDto,
    nullable: true,
    description:
      'A backtest of the same strategy version over the same candles and stored predictions (GET /paper-accounts/{id} only)',
  })
  @Field(() => PaperMetricsDto, { nullable: true })
  backtest!: PaperMetricsDto | null;
}

@ObjectType('PaperTrade')
export class PaperTradeDto {
  @ApiProperty() @Field() symbol!: string;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() entryTime!: Date;
  @ApiProperty() @Field(() => Float) entryPrice!: number;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() exitTime!: Date;
  @ApiProperty() @Field(() => Float) exitPrice!: number;
  @ApiProperty() @Field(() => Float) quantity!: number;
  @ApiProperty() @Field(() => Float) fees!: number;
  @ApiProperty() @Field(() => Float) profit!: number;
  @ApiProperty() @Field(() => Float) returnPct!: number;
  @ApiProperty({ enum: ['signal', 'stop-loss', 'take-profit', 'end'] })
  @Field()
  exitReason!: string;
}

@ObjectType('PaperPosition')
export class PaperPositionDto {
  @ApiProperty() @Field() symbol!: string;
  @ApiProperty() @Field(() => Float) cash!: number;
  @ApiProperty({ description: '0 when flat' }) @Field(() => Float) quantity!: number;
  @NullableFloatField()
  entryPrice!: number | null;
  @NullableDateField()
  entryTime!: Date | null;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'The last close stepped' })
  @Field(() => Float, { nullable: true })
  markPrice!: number | null;
  @ApiProperty({ description: 'Cash plus the position at the mark price' })
  @Field(() => Float)
  equity!: number;
  @ApiProperty() @Field(() => Float) feesPaid!: number;
  @NullableDateField()
  lastCandle!: Date | null;
  @ApiProperty() @Field(() => Int) lateCandles!: number;
}

@ObjectType('PaperEquityPoint')
export class PaperEquityPointDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: "The candle's open time (equity at its close)",
  })
  @Field()
  time!: Date;
  @ApiProperty() @Field(() => Float) cash!: number;
  @ApiProperty() @Field(() => Float) positionValue!: number;
  @ApiProperty() @Field(() => Float) equity!: number;
  @ApiProperty({ description: "A market's decision filled at this candle was taken late" })
  @Field()
  late!: boolean;
}

@ObjectType('PaperEquityPage')
export class PaperEquityPageDto {
  @ApiProperty({ type: [PaperEquityPointDto] })
  @Field(() => [PaperEquityPointDto])
  points!: PaperEquityPointDto[];
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Pass as `from` for the next page (null on the last)',
  })
  @Field(() => String, { nullable: true })
  next!: string | null;
}

/** How REST and GraphQL describe the bounds of an equity range. */
const EQUITY_TIME = 'ISO-8601 or epoch ms (inclusive)';

@ArgsType()
export class PaperEquityQueryDto {
  @TimeQueryField({ description: EQUITY_TIME, graphqlDescription: EQUITY_TIME })
  from?: string;
  @TimeQueryField({ description: EQUITY_TIME, graphqlDescription: EQUITY_TIME })
  to?: string;
  @LimitQueryField(OFFSET_PAGE_LIMIT)
  limit?: number;
}

/** The page of an account's trades (`?offset=&limit=`). */
@ArgsType()
export class PaperPageQueryDto extends OffsetPageQueryDto {}

/** GraphQL arguments of `paperTrades`: the account and the page (as `GET /paper-accounts/{id}/trades`). */
@ArgsType()
export class PaperTradesArgs extends PaperPageQueryDto {
  @Field(() => ID) @IsString() @MaxLength(64) id!: string;
}

/** GraphQL arguments of `paperEquity`: the account and the range (as `GET /paper-accounts/{id}/equity`). */
@ArgsType()
export class PaperEquityArgs extends PaperEquityQueryDto {
  @Field(() => ID) @IsString() @MaxLength(64) id!: string;
}

/** GraphQL arguments of `setPaperAccountStatus`: the account and its new status (as the PATCH). */
@ArgsType()
export class SetPaperAccountStatusArgs {
  @Field(() => ID) @IsString() @MaxLength(64) id!: string;
  @StatusChange()
  status!: 'active' | 'paused';
}
