import { ParseUUIDPipe } from '@nestjs/common';
import { IsUUID } from 'class-validator';
import { ValidationException } from './app.exception';

/** Parses a path parameter as a UUID; anything else is a 400 naming the parameter. */
export function uuidPipe(field: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => new ValidationException([{ field, problem: 'must be a UUID' }]),
  });
}

/** The same rule on a field of an args or body DTO, with the same 400: `{ field, problem: 'must be a UUID' }`. */
export function IsUuid(): PropertyDecorator {
  return IsUUID('all', { message: ({ property }) => `${property} must be a UUID` });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The same check for service methods that GraphQL reaches too (no pipe there): a 400 naming the field. */
export function assertUuid(value: string, field: string): void {
  if (!UUID.test(value)) {
    throw new ValidationException([{ field, problem: 'must be a UUID' }]);
  }
}
