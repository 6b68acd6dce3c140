import { ParseUUIDPipe } from '@nestjs/common';
import { ValidationException } from './app.exception';

/** Parses a path parameter as a UUID; anything else is a 400 naming the parameter. */
export function uuidPipe(field: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => new ValidationException([{ field, problem: 'must be a UUID' }]),
  });
}
