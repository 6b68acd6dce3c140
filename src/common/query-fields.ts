import { applyDecorators } from '@nestjs/common';
import { Field, Int } from '@nestjs/graphql';
import { ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

/**
 * The query fields that recur across modules (time range, page size and position, symbol,
 * interval), each defined once here: its type, its rules and the 400 message naming it. A DTO
 * declares which of them it takes and says what they mean for it.
 */

/** What a field means for one query: the REST parameter's words, and the GraphQL argument's. */
export interface QueryFieldDocs {
  description?: string;
  example?: string;
  /** The GraphQL argument's description; REST and GraphQL share one when both have it. */
  graphqlDescription?: string;
}

/**
 * Applies decorators as they would apply written above a property in this order (the last first),
 * so the rules, and the problems a 400 lists, keep the order of a hand-written DTO.
 */
export function stacked(...decorators: PropertyDecorator[]): PropertyDecorator {
  return applyDecorators(...decorators.reverse());
}

function optionalField(
  docs: QueryFieldDocs,
  rest: ApiPropertyOptions = {},
  graphqlType?: () => typeof Int,
): PropertyDecorator {
  const { description, example, graphqlDescription } = docs;
  const options = {
    nullable: true,
    ...(graphqlDescription === undefined ? {} : { description: graphqlDescription }),
  };
  return stacked(
    ApiPropertyOptional({
      ...(description === undefined ? {} : { description }),
      ...(example === undefined ? {} : { example }),
      ...rest,
    }),
    graphqlType ? Field(graphqlType, options) : Field(options),
    IsOptional(),
  );
}

/** `from`, `to`: a time as ISO-8601 or epoch milliseconds (the service parses it, src/common/time-param.ts). */
export function TimeQueryField(docs: QueryFieldDocs = {}): PropertyDecorator {
  return stacked(optionalField(docs), IsString(), MaxLength(40));
}

/** `limit`: how many items a page holds, from 1 to `maximum`. */
export function LimitQueryField(
  params: { default: number; maximum: number } & QueryFieldDocs,
): PropertyDecorator {
  const { default: defaultLimit, maximum, ...docs } = params;
  return stacked(
    optionalField(docs, { default: defaultLimit, minimum: 1, maximum }, () => Int),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(maximum),
  );
}

/** `offset`: how many items come before the page. */
export function OffsetQueryField(docs: QueryFieldDocs = {}): PropertyDecorator {
  return stacked(
    optionalField(docs, { default: 0 }, () => Int),
    Type(() => Number),
    IsInt(),
    Min(0),
  );
}

/** `before`: a keyset page's end, a time (the last createdAt or attemptedAt of the page before). */
export function BeforeQueryField(docs: QueryFieldDocs): PropertyDecorator {
  return stacked(
    optionalField(docs),
    IsString(),
    Matches(/^[0-9TZ:.+-]{1,40}$/, {
      message: 'before must be an ISO-8601 time or epoch milliseconds',
    }),
  );
}

/** `cursor`: the `nextCursor` a page answered with. */
export function CursorQueryField(docs: QueryFieldDocs): PropertyDecorator {
  return stacked(optionalField(docs), IsString(), MaxLength(40));
}

/** `interval`: a candle interval such as `1h`. */
export function IntervalQueryField(docs: QueryFieldDocs = {}): PropertyDecorator {
  return stacked(optionalField(docs), IsString(), MaxLength(8));
}

/** `symbol` as an optional filter: a base asset or a pair. */
export function SymbolQueryField(docs: QueryFieldDocs = {}): PropertyDecorator {
  return stacked(optionalField(docs), IsString(), MaxLength(40));
}

/** The forms a market's symbol takes. */
export const SYMBOL_FORMS = 'BTC, BTCUSDT or BTC-USDT';

/** The GraphQL `symbol` argument of a market read (a path parameter in REST). */
export function SymbolArg(description?: string): PropertyDecorator {
  return stacked(
    Field(description === undefined ? {} : { description }),
    IsString(),
    IsNotEmpty(),
    MaxLength(40),
  );
}
