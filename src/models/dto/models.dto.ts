import { ArgsType, Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsObject, IsOptional } from 'class-validator';
import { GraphQLJSON } from 'graphql-scalars';
import {
  IntervalQueryField,
  LimitQueryField,
  SYMBOL_FORMS,
  SymbolArg,
  SymbolQueryField,
} from '../../common/query-fields';
import { DEFAULT_FEATURES, MAX_FEATURES, SELECTABLE_FEATURES } from '../engine/feature-spec';
import { MODEL_KINDS, type ModelKind } from '../engine/model-kind';
import { MODEL_STATUSES } from '../model-version.entity';
import { IntervalBodyField, SymbolBodyField } from '../../common/body-fields';
import {
  NullableDateField,
  NullableFloatField,
  NullableIdField,
  NullableStringField,
} from '../../common/nullable-fields';

@InputType('TrainModelInput')
export class TrainModelDto {
  @SymbolBodyField()
  symbol!: string;

  @IntervalBodyField('Default: PREDICT_INTERVAL')
  interval?: string;

  @ApiPropertyOptional({
    enum: MODEL_KINDS,
    default: 'lstm',
    description:
      'lstm: stacked LSTM; gru: stacked GRU; linear: ridge regression on the same inputs (closed form)',
  })
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsIn(MODEL_KINDS, { message: `kind must be one of ${MODEL_KINDS.join(', ')}` })
  kind?: ModelKind;

  @ApiPropertyOptional({
    type: [String],
    description: `Inputs per candle, one column each (default: ${DEFAULT_FEATURES.join(', ')}): a built-in (${SELECTABLE_FEATURES.join(', ')}); an indicator output \`<spec>.<output>\` of GET /indicators (\`ema:50.value\`, \`macd:12,26,9.signal\`; the output may be left out when there is one), made stationary by its unit; or either from another market's candles on the same interval, \`<BASE>/<input>\` (\`BTC/logReturn\`). Stored in canonical form; sentiment joins by itself where a series covers the training candles`,
    example: ['logReturn', 'rsi', 'ema:50.value', 'BTC/logReturn'],
  })
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'features must name at least one input' })
  @ArrayMaxSize(MAX_FEATURES)
  features?: string[];

  @ApiPropertyOptional({
    description:
      'Hyperparameters (layers, units, dropout, lookback, horizon, epochs, batchSize, learningRate, patience, validationFraction, and l2 for linear); omitted ones take defaults',
    example: { units: 32, epochs: 20 },
    type: 'object',
    additionalProperties: { type: 'number' },
  })
  @Field(() => GraphQLJSON, { nullable: true })
  @IsOptional()
  @IsObject()
  params?: Record<string, number>;
}

@ArgsType()
export class ModelsQueryDto {
  @SymbolQueryField({ example: 'BTC' })
  symbol?: string;
  @IntervalQueryField({ example: '1h' })
  interval?: string;

  @ApiPropertyOptional({ enum: MODEL_STATUSES })
  @Field({ nullable: true })
  @IsOptional()
  @IsIn(MODEL_STATUSES, { message: `status must be one of ${MODEL_STATUSES.join(', ')}` })
  status?: string;

  @LimitQueryField({ default: 50, maximum: 500 })
  limit?: number;
}

@ObjectType('ModelVersion')
export class ModelDto {
  @ApiProperty() @Field(() => ID) id!: string;
  @ApiProperty({ example: 'BTC' }) @Field() symbol!: string;
  @ApiProperty({ example: 'BTCUSDT' }) @Field() pair!: string;
  @ApiProperty() @Field() interval!: string;
  @ApiProperty({ example: 'lstm' }) @Field() kind!: string;
  @ApiProperty({ enum: MODEL_STATUSES }) @Field() status!: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  @Field(() => GraphQLJSON)
  params!: Record<string, unknown>;
  @ApiProperty({ type: [String] }) @Field(() => [String]) features!: string[];

  @NullableDateField()
  dataFrom!: Date | null;
  @NullableDateField()
  dataTo!: Date | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'split (the test set: served point vs persistence and drift, versusPersistence: Diebold-Mariano), forecast (every horizon: point, band, P(up) against their baselines), calibration (shrinkage and residual quantiles per horizon), versusProduction (Diebold-Mariano against the production model at training time), walkForward (folds on the training part), samples, epochsRun, trainingSeconds',
  })
  @Field(() => GraphQLJSON, { nullable: true })
  metrics!: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'wasm' })
  @Field(() => String, { nullable: true })
  backend!: string | null;
  @NullableIdField()
  jobId!: string | null;
  @NullableStringField()
  error!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() createdAt!: Date;
  @NullableDateField()
  trainedAt!: Date | null;
  @NullableDateField()
  promotedAt!: Date | null;
  @NullableDateField()
  retiredAt!: Date | null;
}

@ArgsType()
export class PredictQueryDto {
  @IntervalQueryField({ example: '1h', description: 'Default: PREDICT_INTERVAL' })
  interval?: string;
}

@ArgsType()
export class PredictArgs extends PredictQueryDto {
  @SymbolArg(SYMBOL_FORMS)
  symbol!: string;
}

@ObjectType('PredictionModel')
export class PredictionModelDto {
  @ApiProperty() @Field(() => ID) versionId!: string;
  @NullableDateField()
  trainedAt!: Date | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: 'MAE of the predicted close on the held-out last 20%',
  })
  @Field(() => Float, { nullable: true })
  testMae!: number | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: "Persistence's (no change) MAE on the same candles",
  })
  @Field(() => Float, { nullable: true })
  testPersistenceMae!: number | null;

  @ApiProperty({
    description: 'Realised predictions counted in the live figures (at most 500, newest)',
  })
  @Field(() => Int)
  liveCount!: number;

  @NullableFloatField()
  liveMae!: number | null;
  @NullableFloatField()
  livePersistenceMae!: number | null;

  @ApiProperty({ description: 'Whether the model beat persistence on its test window' })
  @Field()
  beatsPersistence!: boolean;

  @ApiProperty({ description: 'Trained longer ago than MODEL_MAX_AGE' })
  @Field()
  stale!: boolean;
}

@ObjectType('HorizonTestScore')
export class HorizonTestScoreDto {
  @ApiProperty({ description: 'Test candles scored' }) @Field(() => Int) count!: number;
  @ApiProperty({ description: 'MAE of the predicted close' }) @Field(() => Float) mae!: number;
  @ApiProperty({ description: "Persistence's MAE on the same candles" })
  @Field(() => Float)
  persistenceMae!: number;
  @ApiProperty({
    description:
      'Diebold-Mariano p-value of the MAE difference with persistence (two-sided, Newey-West variance)',
  })
  @Field(() => Float)
  pValue!: number;
  @ApiProperty({ description: 'Share of test outcomes inside the 80% interval' })
  @Field(() => Float)
  coverage!: number;
  @ApiProperty({ description: 'Coverage of the rolling empirical quantiles (baseline)' })
  @Field(() => Float)
  empiricalCoverage!: number;
  @ApiProperty({ description: 'Coverage of the EWMA (RiskMetrics) normal band (baseline)' })
  @Field(() => Float)
  ewmaCoverage!: number;
  @ApiProperty({ description: 'Brier score of P(up)' }) @Field(() => Float) brier!: number;
  @ApiProperty({ description: 'Brier score of the training base rate' })
  @Field(() => Float)
  baseRateBrier!: number;
}

@ObjectType('HorizonForecast')
export class HorizonForecastDto {
  @ApiProperty({ description: 'Candles ahead' }) @Field(() => Int) horizon!: number;
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'Open time of the candle whose close is forecast',
  })
  @Field()
  targetTime!: Date;
  @ApiProperty({ description: 'Point forecast of the log return (0 for the baseline)' })
  @Field(() => Float)
  predictedReturn!: number;
  @ApiProperty() @Field(() => Float) predictedClose!: number;
  @ApiProperty({ description: 'Median of the log return' }) @Field(() => Float) median!: number;
  @ApiProperty({ description: '10% quantile of the log return' })
  @Field(() => Float)
  lower!: number;
  @ApiProperty({ description: '90% quantile of the log return' })
  @Field(() => Float)
  upper!: number;
  @ApiProperty({ description: 'Close at the 10% quantile' })
  @Field(() => Float)
  lowerClose!: number;
  @ApiProperty({ description: 'Close at the 90% quantile' })
  @Field(() => Float)
  upperClose!: number;
  @ApiProperty({ description: 'Standard deviation of the log return over the horizon' })
  @Field(() => Float)
  volatility!: number;
  @ApiProperty({ description: 'Probability that the close is higher after the horizon' })
  @Field(() => Float)
  probabilityUp!: number;
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description:
      "The model's weight against persistence, fitted on the training data; null for the baseline",
  })
  @Field(() => Float, { nullable: true })
  shrinkage!: number | null;
  @ApiPropertyOptional({
    type: HorizonTestScoreDto,
    nullable: true,
    description:
      "The model's scores on its test candles; for the baseline, its record on its own last 500 forecasts with a known outcome (each from the candles before it; persistenceMae = mae, pValue 1)",
  })
  @Field(() => HorizonTestScoreDto, { nullable: true })
  test!: HorizonTestScoreDto | null;
}

@ObjectType('Prediction')
export class PredictionDto {
  @ApiProperty({ example: 'BTC' }) @Field() symbol!: string;
  @ApiProperty({ example: 'BTCUSDT' }) @Field() pair!: string;
  @ApiProperty({ example: '1h' }) @Field() interval!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'Open time of the candle the prediction is made at',
  })
  @Field()
  openTime!: Date;
  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'Open time of the candle whose close is predicted',
  })
  @Field()
  targetTime!: Date;
  @ApiProperty({
    enum: ['model', 'baseline'],
    description:
      "model: the production model's forecast; baseline: persistence with empirical intervals (no model passed)",
  })
  @Field()
  kind!: string;
  @ApiProperty({ description: 'Candles ahead (the shortest horizon; see horizons)' })
  @Field(() => Int)
  horizon!: number;
  @ApiProperty() @Field(() => Float) lastClose!: number;
  @ApiProperty() @Field(() => Float) predictedClose!: number;
  @ApiProperty({ description: 'Predicted log return of the close over the horizon' })
  @Field(() => Float)
  predictedReturn!: number;
  @ApiProperty({ description: 'Probability of an up move over the shortest horizon' })
  @Field(() => Float)
  probabilityUp!: number;
  @ApiProperty({ type: [HorizonForecastDto], description: 'One forecast per horizon' })
  @Field(() => [HorizonForecastDto])
  horizons!: HorizonForecastDto[];
  @ApiPropertyOptional({
    type: PredictionModelDto,
    nullable: true,
    description: 'The model that made it; null for the baseline',
  })
  @Field(() => PredictionModelDto, { nullable: true })
  model!: PredictionModelDto | null;
}

/** The answer to POST /admin/models/train/{jobId}/cancel. */
export class TrainingCancelDto {
  @ApiProperty() jobId!: string;
  @ApiProperty({
    enum: ['removed', 'cancelling'],
    description: 'removed: it had not started; cancelling: it stops after its current batch',
  })
  state!: 'removed' | 'cancelling';
}
