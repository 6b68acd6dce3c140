import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ValidationException, type FieldProblem } from './app.exception';

function collectProblems(errors: ValidationError[], parentPath = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const field = parentPath ? `${parentPath}.${error.property}` : error.property;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      if (constraint === 'whitelistValidation') {
        problems.push({ field, problem: 'is not an accepted field' });
        continue;
      }
      // class-validator writes "name must be a string"; keep the field once, in `field`.
      const problem = message.startsWith(`${error.property} `)
        ? message.slice(error.property.length + 1)
        : message;
      problems.push({ field, problem });
    }
    if (error.children?.length) {
      problems.push(...collectProblems(error.children, field));
    }
  }
  return problems;
}

/** The one validation pipe: unknown fields are refused, values are converted to their DTO types. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationException(collectProblems(errors)),
  });
}
