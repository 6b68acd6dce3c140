import { BadRequestException, NotFoundException } from '@nestjs/common';
import { AppException, ValidationException } from './app.exception';
import { mapError } from './error-response';

describe('mapError', () => {
  it('maps an AppException to its status and code', () => {
    const { body, unexpected } = mapError(
      new AppException('CONFLICT', 'taken', { field: 'name' }),
      'r1',
    );
    expect(body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      code: 'CONFLICT',
      message: 'taken',
      details: { field: 'name' },
      requestId: 'r1',
    });
    expect(unexpected).toBe(false);
  });

  it('lists every bad field of a validation error', () => {
    const { body } = mapError(
      new ValidationException([
        { field: 'a', problem: 'must be a string' },
        { field: 'b', problem: 'is not an accepted field' },
      ]),
    );
    expect(body.statusCode).toBe(400);
    expect(body.message).toBe('Invalid request: a must be a string; b is not an accepted field');
    expect(body.details).toHaveLength(2);
  });

  it('maps Nest and Fastify HTTP errors without losing their status', () => {
    expect(mapError(new NotFoundException('Cannot GET /x')).body.message).toBe('No route GET /x');
    expect(mapError(new BadRequestException('bad')).body.code).toBe('BAD_REQUEST');
    const fastifyError = Object.assign(new Error('Body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(mapError(fastifyError).body).toMatchObject({
      statusCode: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'body is larger than the accepted limit',
    });
  });

  it('hides unknown errors behind a 500 that quotes the request id', () => {
    const { body, unexpected } = mapError(
      new TypeError('secret internals at /srv/app.js:12'),
      'req-9',
    );
    expect(body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      code: 'INTERNAL',
      message: 'Internal server error; quote request id req-9 when reporting it',
      requestId: 'req-9',
    });
    expect(unexpected).toBe(true);
  });
});
