import { ArgsType, Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { GraphQLJSON } from 'graphql-scalars';
import {
  IntervalQueryField,
  LimitQueryField,
  stacked,
  SymbolArg,
  TimeQueryField,
} from '../../common/query-fields';
import { NullableIdField, NullableStringField } from '../../common/nullable-fields';

const ACTIONS = ['BUY', 'SELL', 'HOLD'] as const;

const DEFINITION_EXAMPLE = {
  rules: [
    {
      label: 'model expects a rise',
      input: 'predictedReturn',
      condition: { op: '>', value: 0.001 },
      weight: 0.5,
    },
    { label: 'RSI oversold', input: 'rsi', condition: { op: '<', value: 30 }, weight: 0.5 },
    {
      label: 'below the 50-EMA',
      input: 'priceVsEma',
      period: 50,
      condition: { op: '<', value: 0 },
      weight: -0.5,
    },
  ],
  thresholds: { buy: 0.3, sell: -0.3 },
  guards: { minConfidence: 0.3, cooldownCandles: 3, stopLoss: 0.05 },
};

/** A version's definition (the body of create and update). */
const DefinitionField = (): PropertyDecorator =>
  stacked(
    ApiProperty({
      description:
        'rules [{input, period?, condition {op: > | < | between | crossesAbove | crossesBelow, value | min,max}, weight in [-1,1], label?}], thresholds {buy, sell}, guards {minConfidence?, maxModelAgeMs?, cooldownCandles?, stopLoss?, takeProfit?}, costs? {feeRate (default 0.001), slippage (default 0)}: the round trip expectedEdge subtracts live, sizing? {kind: all-in | fraction (fraction) | volatility (targetVolatility, maxFraction?)}: the default of its backtests',
      example: DEFINITION_EXAMPLE,
      type: 'object',
      additionalProperties: true,
    }),
    Field(() => GraphQLJSON),
    IsObject(),
  );

/** A version's optional description. */
const DescriptionField = (): PropertyDecorator =>
  stacked(
    ApiPropertyOptional({ maxLength: 500 }),
    Field({ nullable: true }),
    IsOptional(),
    IsString(),
    MaxLength(500),
  );

@InputType('CreateStrategyInput')
export class CreateStrategyDto {
  @ApiProperty({ example: 'momentum' })
  @Field()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,79}$/, {
    message: 'name must be 1-80 lowercase letters, digits or "-"',
  })
  name!: string;

  @DefinitionField()
  definition!: Record<string, unknown>;

  @DescriptionField()
  description?: string;
}

@InputType('UpdateStrategyInput')
export class UpdateStrategyDto {
  @DefinitionField()
  definition!: Record<string, unknown>;

  @DescriptionField()
  description?: string;
}

@InputType('EvaluateStrategyInput')
export class EvaluateStrategyDto {
  @ApiProperty({ example: 'BTC' })
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  symbol!: string;
  @ApiPropertyOptional({ example: '1h' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(8)
  interval?: string;
}

@ObjectType('Strategy')
export class StrategyDto {
  @ApiProperty() @Field(() => ID) id!: string;
  @ApiProperty() @Field() name!: string;
  @ApiProperty() @Field(() => Int) version!: number;
  @ApiProperty() @Field() active!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true })
  @Field(() => GraphQLJSON)
  definition!: Record<string, unknown>;
  @ApiProperty({ description: 'Whether its rules read model predictions' })
  @Field()
  needsModel!: boolean;
  @NullableStringField()
  description!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() createdAt!: Date;
}

@ObjectType('SignalReason')
export class SignalReasonDto {
  @ApiProperty() @Field() label!: string;
  @ApiProperty() @Field() input!: string;
  @ApiProperty() @Field(() => Float) value!: number;
  @ApiProperty() @Field(() => Float) weight!: number;
}

@ObjectType('Signal')
export class SignalDto {
  @ApiProperty({ example: 'BTC' }) @Field() symbol!: string;
  @ApiProperty({ example: 'BTCUSDT' }) @Field() pair!: string;
  @ApiProperty() @Field() interval!: string;
  @ApiProperty() @Field(() => ID) strategyId!: string;
  @ApiProperty() @Field() strategyName!: string;
  @ApiProperty() @Field(() => Int) strategyVersion!: number;
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'Candle the decision is made at (at its close)',
  })
  @Field()
  openTime!: Date;
  @ApiProperty({ enum: ACTIONS }) @Field() action!: string;
  @ApiProperty({ description: 'Weighted vote in [-1, 1]' }) @Field(() => Float) score!: number;
  @ApiProperty() @Field(() => Float) confidence!: number;
  @ApiProperty({ description: 'Close of that candle' }) @Field(() => Float) close!: number;
  @ApiProperty({ type: [SignalReasonDto] })
  @Field(() => [SignalReasonDto])
  reasons!: SignalReasonDto[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  @Field(() => GraphQLJSON, { nullable: true })
  prediction!: Record<string, unknown> | null;
  @NullableIdField()
  modelVersionId!: string | null;
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'null for a dry run',
  })
  @Field(() => Date, { nullable: true })
  createdAt!: Date | null;
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description:
      'Milliseconds after the candle closed that the decision was taken, when it was taken late (catch-up after a stream or worker outage); null when decided at the close',
  })
  @Field(() => Float, { nullable: true })
  lateMs!: number | null;
}

@ArgsType()
export class SignalsQueryDto {
  @IntervalQueryField({ example: '1h' })
  interval?: string;
  @ApiPropertyOptional({ description: 'Strategy name (its active version) or id' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(80)
  strategy?: string;
}

@ArgsType()
export class SignalHistoryQueryDto extends SignalsQueryDto {
  @TimeQueryField({ description: 'ISO-8601 or epoch ms' })
  from?: string;
  @TimeQueryField({ description: 'ISO-8601 or epoch ms' })
  to?: string;

  @ApiPropertyOptional({ enum: ACTIONS })
  @Field({ nullable: true })
  @IsOptional()
  @IsIn(ACTIONS, { message: `action must be one of ${ACTIONS.join(', ')}` })
  action?: string;

  @LimitQueryField({ default: 100, maximum: 1000 })
  limit?: number;
}

@ArgsType()
export class SignalsArgs extends SignalsQueryDto {
  @SymbolArg() symbol!: string;
}

@ArgsType()
export class SignalHistoryArgs extends SignalHistoryQueryDto {
  @SymbolArg() symbol!: string;
}
