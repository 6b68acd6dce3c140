import { Field, Float } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { stacked } from './query-fields';

/**
 * The request-body fields that recur across modules (the market a job is for, its trading
 * costs), each defined once: its type, its rules and the 400 message naming it.
 */

/** `symbol`: the base asset (`BTC`) or pair a job is for. */
export function SymbolBodyField(): PropertyDecorator {
  return stacked(ApiProperty({ example: 'BTC' }), Field(), IsString(), IsNotEmpty(), MaxLength(40));
}

/** `interval`: the candle interval, optional (what its absence means is the DTO's to say). */
export function IntervalBodyField(description?: string): PropertyDecorator {
  return stacked(
    ApiPropertyOptional({ example: '1h', ...(description === undefined ? {} : { description }) }),
    Field({ nullable: true }),
    IsOptional(),
    IsString(),
    MaxLength(8),
  );
}

/** A cost as a fraction of the traded value, 0 to 0.1, optional with a default. */
function costField(options: { default: number; description?: string }): PropertyDecorator {
  return stacked(
    ApiPropertyOptional(options),
    Field(() => Float, { nullable: true }),
    IsOptional(),
    IsNumber(),
    Min(0),
    Max(0.1),
  );
}

/** `feeRate`: the fee per side (default 0.001). */
export function FeeRateField(): PropertyDecorator {
  return costField({ default: 0.001, description: 'Fee per side' });
}

/** `slippage`: the price slippage per fill (default 0). */
export function SlippageField(description?: string): PropertyDecorator {
  return costField({ default: 0, ...(description === undefined ? {} : { description }) });
}
