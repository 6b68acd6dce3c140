import { Field, Float, ID, Int } from '@nestjs/graphql';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { stacked } from './query-fields';

/**
 * Answer fields that may be null, declared once for REST (OpenAPI: optional, nullable) and
 * GraphQL (nullable) alike. A field with words of its own keeps the two decorators written out.
 */

/** A time or null: an ISO-8601 string in REST, a DateTime in GraphQL. */
export const NullableDateField = (): PropertyDecorator =>
  stacked(
    ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }),
    Field(() => Date, { nullable: true }),
  );

export const NullableStringField = (): PropertyDecorator =>
  stacked(
    ApiPropertyOptional({ type: String, nullable: true }),
    Field(() => String, { nullable: true }),
  );

/** An id or null: a string in REST, an ID in GraphQL. */
export const NullableIdField = (): PropertyDecorator =>
  stacked(
    ApiPropertyOptional({ type: String, nullable: true }),
    Field(() => ID, { nullable: true }),
  );

export const NullableFloatField = (): PropertyDecorator =>
  stacked(
    ApiPropertyOptional({ type: Number, nullable: true }),
    Field(() => Float, { nullable: true }),
  );

export const NullableIntField = (): PropertyDecorator =>
  stacked(
    ApiPropertyOptional({ type: Number, nullable: true }),
    Field(() => Int, { nullable: true }),
  );
