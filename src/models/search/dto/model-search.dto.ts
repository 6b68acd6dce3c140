import { ArgsType, Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { GraphQLJSON } from 'graphql-scalars';
import {
  IntervalQueryField,
  LimitQueryField,
  SymbolQueryField,
} from '../../../common/query-fields';
import { SEARCH_LIMITS } from '../../engine/model-search-space';
import { IntervalBodyField, SymbolBodyField } from '../../../common/body-fields';
import {
  NullableDateField,
  NullableFloatField,
  NullableStringField,
} from '../../../common/nullable-fields';

@InputType('SearchModelsInput')
export class SearchModelsDto {
  @SymbolBodyField()
  symbol!: string;

  @IntervalBodyField('Default: PREDICT_INTERVAL')
  interval?: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['linear', 'lstm', 'gru'],
    description: 'Model kinds to search, taken in turn (default: all)',
  })
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  kinds?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Per kind, each parameter as a list of values or {min, max, log?}: {"lstm": {"units": [16, 32], "learningRate": {"min": 0.0003, "max": 0.003, "log": true}}}; a kind not named searches its default space',
  })
  @Field(() => GraphQLJSON, { nullable: true })
  @IsOptional()
  @IsObject()
  space?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'array', items: { type: 'string' } },
    example: [
      ['logReturn', 'highLowRange', 'volumeZScore', 'rsi'],
      ['logReturn', 'highLowRange', 'volumeZScore', 'rsi', 'BTC/logReturn', 'BTC/volumeZScore'],
    ],
    description:
      'Candidate input lists (each as `features` of POST /admin/models/train), one drawn per trial with the seeded generator; default: one, the default inputs',
  })
  @Field(() => [[String]], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SEARCH_LIMITS.maxFeatureSets)
  features?: unknown[];

  @ApiPropertyOptional({
    default: SEARCH_LIMITS.defaultTrials,
    minimum: 1,
    maximum: SEARCH_LIMITS.maxTrials,
  })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(SEARCH_LIMITS.maxTrials)
  trials?: number;

  @ApiPropertyOptional({
    default: SEARCH_LIMITS.defaultFolds,
    minimum: 0,
    maximum: SEARCH_LIMITS.maxFolds,
    description: 'Walk-forward folds inside each trial (they fit the forecast calibration)',
  })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(SEARCH_LIMITS.maxFolds)
  folds?: number;

  @ApiPropertyOptional({ description: 'Seed of the trial sampler (default: random, stored)' })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  seed?: number;

  @ApiPropertyOptional({
    type: String,
    description:
      'First candle of the test part (ISO-8601 or epoch ms); default: the last 20% of TRAINING_WINDOW',
  })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  testFrom?: string;
}

@ArgsType()
export class ModelSearchesQueryDto {
  @SymbolQueryField({ example: 'BTC' })
  symbol?: string;

  @IntervalQueryField({ example: '1h' })
  interval?: string;

  @LimitQueryField({ default: 20, maximum: 200 })
  limit?: number;
}

@ObjectType('SearchStarted')
export class SearchStartedDto {
  @ApiProperty() @Field(() => ID) searchId!: string;
  @ApiProperty({ description: 'Trials queued' }) @Field(() => Int) trials!: number;
  @ApiProperty({ type: String, format: 'date-time', description: 'First candle of the test part' })
  @Field()
  testFrom!: Date;
}

@ObjectType('SearchTrial')
export class SearchTrialDto {
  @ApiProperty() @Field(() => Int) index!: number;
  @ApiProperty({ example: 'lstm' }) @Field() kind!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } })
  @Field(() => GraphQLJSON)
  params!: Record<string, number>;
  @ApiProperty({
    type: [String],
    description: 'The inputs drawn for the trial (sentiment joins them where a series covers)',
  })
  @Field(() => [String])
  features!: string[];
  @ApiProperty({ enum: ['pending', 'completed', 'failed'] }) @Field() status!: string;
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description:
      "Served MAE over persistence's on the trial's validation candles (lower is better)",
  })
  @Field(() => Float, { nullable: true })
  score!: number | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'mae, persistenceMae, pValue, walkForward (fold metrics), shrinkage, coverage',
  })
  @Field(() => GraphQLJSON, { nullable: true })
  metrics!: Record<string, unknown> | null;
  @NullableFloatField()
  seconds!: number | null;
  @NullableStringField()
  error!: string | null;
}

@ObjectType('ModelSearch')
export class ModelSearchDto {
  @ApiProperty() @Field(() => ID) id!: string;
  @ApiProperty({ example: 'BTC' }) @Field() symbol!: string;
  @ApiProperty({ example: 'BTCUSDT' }) @Field() pair!: string;
  @ApiProperty() @Field() interval!: string;
  @ApiProperty({ enum: ['running', 'evaluating', 'completed', 'failed'] }) @Field() status!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'kinds, space, trials, folds, seed, horizons and features (the candidate input lists) as resolved',
  })
  @Field(() => GraphQLJSON)
  request!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() dataFrom!: Date;
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'First candle of the test part: no trial reads it or any later candle',
  })
  @Field()
  testFrom!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() dataTo!: Date;
  @ApiProperty({ description: 'Trials planned' }) @Field(() => Int) trialsTotal!: number;
  @ApiProperty({ description: 'Trials finished (completed or failed)' })
  @Field(() => Int)
  trialsDone!: number;
  @ApiProperty({ description: 'Finished trials over planned, 0-100' })
  @Field(() => Float)
  percent!: number;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'The best trial (trialIndex, kind, params, score) and its one evaluation on the test part (test: split and forecast per horizon)',
  })
  @Field(() => GraphQLJSON, { nullable: true })
  best!: Record<string, unknown> | null;
  @NullableStringField()
  error!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() createdAt!: Date;
  @NullableDateField()
  finishedAt!: Date | null;
  @ApiProperty({ type: [SearchTrialDto], description: 'Every trial, in order' })
  @Field(() => [SearchTrialDto])
  trials!: SearchTrialDto[];
}
