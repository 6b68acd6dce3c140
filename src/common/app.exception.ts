import { HttpStatus } from '@nestjs/common';

/** A problem with one input field: which field, and why it was refused. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/**
 * Every error code the service returns, with its HTTP status. Modules throw their own subclass of
 * `AppException` with one of these codes; the global filter maps it to REST and GraphQL, and
 * the OpenAPI document lists them per operation and status (src/common/openapi-errors.ts).
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  BAD_REQUEST: HttpStatus.BAD_REQUEST,
  UNAUTHENTICATED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  METHOD_NOT_ALLOWED: HttpStatus.METHOD_NOT_ALLOWED,
  CONFLICT: HttpStatus.CONFLICT,
  UNPROCESSABLE: HttpStatus.UNPROCESSABLE_ENTITY,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  INTERNAL: HttpStatus.INTERNAL_SERVER_ERROR,
  SERVICE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  /** The api sheds load: its event loop is too late (`OVERLOAD_EVENT_LOOP_DELAY_MS`); retry after `Retry-After`. */
  OVERLOADED: HttpStatus.SERVICE_UNAVAILABLE,
  // Answered for Node's HTTP parser before any route runs (`answerClientError`, src/http-app.ts).
  REQUEST_TIMEOUT: HttpStatus.REQUEST_TIMEOUT,
  HEADERS_TOO_LARGE: 431,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }
}

export class ValidationException extends AppException {
  constructor(readonly problems: FieldProblem[]) {
    super(
      'VALIDATION_FAILED',
      `Invalid request: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`,
      problems,
    );
  }
}
