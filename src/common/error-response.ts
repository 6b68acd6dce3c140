import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { AppException, ERROR_CODES, type ErrorCode } from './app.exception';

/** The one shape of every REST error body. */
interface ErrorBody {
  statusCode: number;
  error: string;
  code: ErrorCode;
  message: string;
  details?: unknown;
  requestId?: string;
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {};
for (const [code, status] of Object.entries(ERROR_CODES) as [ErrorCode, number][]) {
  // First code listed for a status wins: VALIDATION_FAILED is not the generic 400.
  if (code !== 'VALIDATION_FAILED') {
    CODE_BY_STATUS[status] ??= code;
  }
}

function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
}

/** Errors raised by Fastify itself (body parsing, size limits, content types) carry these. */
interface FastifyLikeError {
  statusCode: number;
  code?: string;
  message: string;
}

function isFastifyLikeError(value: unknown): value is FastifyLikeError {
  return (
    value instanceof Error &&
    typeof (value as unknown as Partial<FastifyLikeError>).statusCode === 'number' &&
    (value as unknown as FastifyLikeError).statusCode >= 400 &&
    (value as unknown as FastifyLikeError).statusCode < 600
  );
}

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body is empty but the content type says JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body is larger than the accepted limit',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'content type is not supported; send application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'content-length does not match the body',
};

export interface MappedError {
  body: ErrorBody;
  /** True when the error is ours (a bug or an outage), so its stack belongs in the log. */
  unexpected: boolean;
  headers?: Record<string, string>;
}

/**
 * Maps anything thrown to the one error shape. Unknown errors become a 500 that says nothing
 * about internals: the stack goes to the log under the same request id.
 */
export function mapError(exception: unknown, requestId?: string): MappedError {
  const withStatus = (
    statusCode: number,
    code: ErrorCode,
    message: string,
    details?: unknown,
  ): ErrorBody => ({
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    code,
    message,
    ...(details === undefined ? {} : { details }),
    ...(requestId ? { requestId } : {}),
  });

  if (exception instanceof AppException) {
    return {
      body: withStatus(exception.status, exception.code, exception.message, exception.details),
      unexpected: exception.code === 'INTERNAL',
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    let message = exception.message;
    if (typeof response === 'object' && response !== null && 'message' in response) {
      const raw = response.message;
      message = Array.isArray(raw) ? raw.join('; ') : String(raw);
    }
    if (status === HttpStatus.NOT_FOUND && /^Cannot [A-Z]+ /.test(message)) {
      message = `No route ${message.slice('Cannot '.length)}`;
    }
    return { body: withStatus(status, codeForStatus(status), message), unexpected: status >= 500 };
  }
  if (isFastifyLikeError(exception)) {
    const status = exception.statusCode;
    const message =
      (exception.code && FASTIFY_MESSAGES[exception.code]) ??
      (status < 500 ? exception.message : 'Internal server error');
    return { body: withStatus(status, codeForStatus(status), message), unexpected: status >= 500 };
  }
  return {
    body: withStatus(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'INTERNAL',
      `Internal server error; quote request id ${requestId ?? 'unknown'} when reporting it`,
    ),
    unexpected: true,
  };
}
