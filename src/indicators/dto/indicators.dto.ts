import { ArgsType, Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import {
  IntervalQueryField,
  LimitQueryField,
  SYMBOL_FORMS,
  SymbolArg,
  TimeQueryField,
} from '../../common/query-fields';
import { CANDLE_INTERVAL, CANDLE_PAGE_LIMIT } from '../../market-data/dto/candles.dto';
import { OUTPUT_UNITS } from '../engine/indicator-definition';
import { NullableFloatField } from '../../common/nullable-fields';

export const DEFAULT_INDICATORS = 'rsi:14,macd:12,26,9,bb:20,2';

@ArgsType()
export class IndicatorsLatestQueryDto {
  @IntervalQueryField(CANDLE_INTERVAL)
  interval?: string;

  @ApiPropertyOptional({
    description: `Indicators with parameters, comma separated: a name starts each one (GET /indicators lists them). Default ${DEFAULT_INDICATORS}`,
    example: 'rsi:14,macd:12,26,9,bb:20,2',
  })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  names?: string;
}

@ArgsType()
export class IndicatorsQueryDto extends IndicatorsLatestQueryDto {
  @TimeQueryField({
    description:
      'First candle open time, ISO-8601 or epoch ms; default: the newest `limit` candles up to `to`',
  })
  from?: string;

  @TimeQueryField({ description: 'Last candle open time, ISO-8601 or epoch ms' })
  to?: string;

  @LimitQueryField(CANDLE_PAGE_LIMIT)
  limit?: number;
}

@ArgsType()
export class IndicatorsArgs extends IndicatorsQueryDto {
  @SymbolArg(SYMBOL_FORMS)
  symbol!: string;
}

@ArgsType()
export class IndicatorsLatestArgs extends IndicatorsLatestQueryDto {
  @SymbolArg(SYMBOL_FORMS)
  symbol!: string;
}

@ObjectType('IndicatorOutputSeries')
export class IndicatorOutputSeriesDto {
  @ApiProperty({ example: 'histogram' }) @Field() name!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'number', nullable: true },
    description: 'One value per candle time; null while warming up or undefined',
  })
  @Field(() => [Float], { nullable: 'items' })
  values!: (number | null)[];
}

@ObjectType('IndicatorSeries')
export class IndicatorSeriesDto {
  @ApiProperty({ example: 'macd:12,26,9' }) @Field() key!: string;
  @ApiProperty({ example: 'macd' }) @Field() name!: string;
  @ApiProperty({ type: [Number] }) @Field(() => [Float]) params!: number[];

  @ApiProperty({ type: [IndicatorOutputSeriesDto] })
  @Field(() => [IndicatorOutputSeriesDto])
  outputs!: IndicatorOutputSeriesDto[];
}

@ObjectType('Indicators')
export class IndicatorsDto {
  @ApiProperty({ example: 'BTC' }) @Field() symbol!: string;
  @ApiProperty({ example: 'BTCUSDT' }) @Field() pair!: string;
  @ApiProperty({ example: '1h' }) @Field() interval!: string;

  @ApiProperty({
    type: [String],
    format: 'date-time',
    description: 'Candle open times; every series is aligned with them',
  })
  @Field(() => [Date])
  openTimes!: Date[];

  @ApiProperty({ type: [IndicatorSeriesDto] })
  @Field(() => [IndicatorSeriesDto])
  indicators!: IndicatorSeriesDto[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Pass as `from` for the next page (when `from` was given)',
  })
  @Field(() => String, { nullable: true })
  nextFrom!: string | null;
}

@ObjectType('IndicatorOutputValue')
export class IndicatorOutputValueDto {
  @ApiProperty() @Field() name!: string;
  @NullableFloatField()
  value!: number | null;
}

@ObjectType('IndicatorValue')
export class IndicatorValueDto {
  @ApiProperty({ example: 'rsi:14' }) @Field() key!: string;
  @ApiProperty() @Field() name!: string;
  @ApiProperty({ type: [Number] }) @Field(() => [Float]) params!: number[];
  @ApiProperty({ type: [IndicatorOutputValueDto] })
  @Field(() => [IndicatorOutputValueDto])
  outputs!: IndicatorOutputValueDto[];
}

@ObjectType('LatestIndicators')
export class LatestIndicatorsDto {
  @ApiProperty() @Field() symbol!: string;
  @ApiProperty() @Field() pair!: string;
  @ApiProperty() @Field() interval!: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Open time of the last closed candle',
  })
  @Field(() => Date, { nullable: true })
  openTime!: Date | null;

  @NullableFloatField()
  close!: number | null;

  @ApiProperty({
    enum: ['live', 'computed'],
    description: 'live: kept up to date on every closed candle; computed: for this request',
  })
  @Field()
  source!: string;

  @ApiProperty({ type: [IndicatorValueDto] })
  @Field(() => [IndicatorValueDto])
  indicators!: IndicatorValueDto[];
}

@ObjectType('IndicatorParam')
export class IndicatorParamDto {
  @ApiProperty() @Field() name!: string;
  @ApiProperty() @Field() description!: string;
  @ApiProperty({ enum: ['integer', 'real'] }) @Field() type!: string;
  @ApiProperty() @Field(() => Float) default!: number;
  @ApiProperty() @Field(() => Float) min!: number;
  @ApiProperty() @Field(() => Float) max!: number;
  @ApiPropertyOptional() @Field({ nullable: true }) minExclusive?: boolean;
}

@ObjectType('IndicatorOutput')
export class IndicatorOutputDto {
  @ApiProperty() @Field() name!: string;
  @ApiProperty() @Field() description!: string;
  @ApiProperty({
    enum: OUTPUT_UNITS,
    description:
      'What the values measure, which sets how a model input `<spec>.<output>` makes them stationary: price: value / close - 1; priceChange: value / close; percent, negativePercent, fraction, flag: scaled to about [-0.5, 0.5]; ratio: as is; volume, unbounded: z-score over the last 48 candles',
  })
  @Field()
  unit!: string;
}

@ObjectType('IndicatorDescription')
export class IndicatorDescriptionDto {
  @ApiProperty({ example: 'rsi' }) @Field() name!: string;
  @ApiProperty() @Field() title!: string;
  @ApiProperty({ enum: ['trend', 'momentum', 'volatility', 'volume', 'pattern'] })
  @Field()
  category!: string;

  @ApiProperty({
    enum: ['window', 'recursive', 'cumulative', 'session'],
    description: 'How far back a value looks',
  })
  @Field()
  memory!: string;

  @ApiProperty({ type: [IndicatorParamDto] })
  @Field(() => [IndicatorParamDto])
  params!: IndicatorParamDto[];
  @ApiProperty({ type: [IndicatorOutputDto] })
  @Field(() => [IndicatorOutputDto])
  outputs!: IndicatorOutputDto[];
  @ApiProperty({ example: 'rsi:14' }) @Field() defaultSpec!: string;
  @ApiProperty() @Field() warmupRule!: string;
  @ApiProperty() @Field(() => Int) defaultWarmup!: number;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Library quirks and choices' })
  @Field(() => String, { nullable: true })
  notes!: string | null;
}
