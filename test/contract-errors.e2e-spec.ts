import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import request from 'supertest';
import { ERROR_CODES } from '../src/common/app.exception';
import { api, errorOf, fieldProblems } from './support/api';
import { ContractValidator } from './support/contract-validator';
import { startTestApp, type TestApp } from './support/test-app';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Content types clients send on every call, body or not (and one that is no media type at all). */
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'not a media type',
];

describe('errors in the REST contract, and bodies', () => {
  let t: TestApp;
  let document: OpenAPIObject;
  let clientKey: string;

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const operation = item[method];
        return operation ? [{ path, method, operation }] : [];
      }),
    );
  const response = (operation: OperationObject, status: number): ResponseObject | undefined => {
    const found = operation.responses[status];
    if (found && '$ref' in found) {
      return document.components?.responses?.[found.$ref.split('/').pop()!] as ResponseObject;
    }
    return found;
  };
  const codesOf = (operation: OperationObject, status: number) =>
    (response(operation, status) as { 'x-error-codes'?: string[] } | undefined)?.['x-error-codes'];

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    const created = await api(t, { key: t.adminKey }).post('/admin/api-keys', {
      body: { name: 'contract-errors', role: 'client' },
    });
    expect(`${created.status} ${created.text}`).toMatch(/^201 /);
    clientKey = created.body.key;
    document = t.openapi();
  });
  afterAll(async () => {
    await t.close();
  });

  it('documents one error envelope whose codes are exactly the error table', () => {
    const schema = document.components?.schemas?.ErrorResponse as {
      properties: Record<string, { enum?: string[] }>;
      required: string[];
    };
    expect(schema.properties.code?.enum).toEqual(Object.keys(ERROR_CODES));
    expect(schema.required).toEqual(['statusCode', 'error', 'code', 'message', 'requestId']);
    expect(Object.keys(schema.properties)).toEqual([
      'statusCode',
      'error',
      'code',
      'message',
      'details',
      'requestId',
    ]);
  });

  it('lists on every operation the errors its route can give, each status with its codes', () => {
    expect(operations().length).toBeGreaterThan(40);
    for (const { path, method, operation } of operations()) {
      const label = `${method.toUpperCase()} ${path}`;
      const access = (operation as { 'x-access'?: string })['x-access'];
      const errorStatuses = Object.keys(operation.responses)
        .map(Number)
        .filter((s) => s >= 400);
      for (const status of errorStatuses) {
        const codes = codesOf(operation, status) ?? [];
        expect(`${label} ${status}: ${codes.length > 0}`).toBe(`${label} ${status}: true`);
        for (const code of codes) {
          expect(`${label} ${code} -> ${ERROR_CODES[code as keyof typeof ERROR_CODES]}`).toBe(
            `${label} ${code} -> ${status}`,
          );
        }
        const content = response(operation, status)?.content?.['application/json']?.schema;
        expect(content).toEqual({ $ref: '#/components/schemas/ErrorResponse' });
      }
      expect(`${label} 500 ${codesOf(operation, 500)?.join()}`).toBe(`${label} 500 INTERNAL`);
      expect(`${label} 401 ${codesOf(operation, 401)?.join()}`).toBe(
        `${label} 401 ${access === 'public' ? undefined : 'UNAUTHENTICATED'}`,
      );
      expect(`${label} 403 ${codesOf(operation, 403)?.join()}`).toBe(
        `${label} 403 ${access === 'admin' ? 'FORBIDDEN' : undefined}`,
      );
      if (path.includes('{')) {
        expect(`${label} 404 ${codesOf(operation, 404)?.join()}`).toBe(`${label} 404 NOT_FOUND`);
      }
      if (method !== 'get') {
        expect(`${label} 413 ${codesOf(operation, 413)?.join()}`).toBe(
          `${label} 413 PAYLOAD_TOO_LARGE`,
        );
      }
      if ((operation.parameters ?? []).length > 0 || operation.requestBody) {
        expect(`${label} 400 ${codesOf(operation, 400)?.join()}`).toBe(
          `${label} 400 VALIDATION_FAILED,BAD_REQUEST`,
        );
      }
      if (!path.startsWith('/health') && path !== '/metrics') {
        expect(`${label} 429 ${Object.keys(response(operation, 429)?.headers ?? {}).join()}`).toBe(
          `${label} 429 Retry-After`,
        );
      }
    }
  });

  it('says who may call each operation, and that public reads need no key', () => {
    const schemes = document.components?.securitySchemes ?? {};
    expect(schemes).toEqual({
      apiKey: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    expect(schemes.bearer).not.toHaveProperty('bearerFormat');
    const byAccess = new Map<string, unknown[]>();
    for (const { operation } of operations()) {
      byAccess.set(
        String((operation as { 'x-access'?: string })['x-access']),
        operation.security ?? [],
      );
    }
    expect(byAccess.get('public-read')).toEqual([{}, { apiKey: [] }, { bearer: [] }]);
    expect(byAccess.get('public')).toEqual([]);
    expect(byAccess.get('client')).toEqual([{ apiKey: [] }, { bearer: [] }]);
    expect(byAccess.get('admin')).toEqual([{ apiKey: [] }, { bearer: [] }]);
    const predict = document.paths['/predict/{symbol}']?.get;
    expect(predict?.description).toContain('PUBLIC_READ=true');
  });

  it('gives the 503 of /predict/{symbol} a body, and answers it in that shape', async () => {
    const predict = document.paths['/predict/{symbol}']!.get!;
    expect(response(predict, 503)?.content?.['application/json']).toBeDefined();
    expect(codesOf(predict, 503)).toEqual(['SERVICE_UNAVAILABLE', 'OVERLOADED']);
    const answer = await api(t, { key: clientKey }).get('/predict/BTC');
    expect(answer.status).toBe(503);
    expect(answer.errorBody).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'SERVICE_UNAVAILABLE',
      requestId: answer.headers['x-request-id'],
    });
  });

  it('answers validation errors with every refused field in details', async () => {
    const answer = await request(t.url)
      .post('/webhooks')
      .set('x-api-key', clientKey)
      .send({ url: 5, events: ['nope'], extra: true });
    expect(answer.status).toBe(400);
    const error = errorOf(answer);
    expect(error.code).toBe('VALIDATION_FAILED');
    const fields = fieldProblems(error).map((d) => d.field);
    expect(new Set(fields)).toEqual(new Set(['url', 'events', 'extra']));
  });

  it('accepts an empty body whatever its content type on routes that take none', async () => {
    const created = await api(t, { key: clientKey }).post('/webhooks', {
      body: { url: 'http://127.0.0.1:9/hook', events: ['signal.created'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;

    for (const contentType of CONTENT_TYPES) {
      const tested = await request(t.url)
        .post(`/webhooks/${id}/test`)
        .set('x-api-key', clientKey)
        .set('content-type', contentType);
      expect(`${contentType}: ${tested.status} ${tested.text.slice(0, 120)}`).toBe(
        `${contentType}: 202 ${tested.text.slice(0, 120)}`,
      );
    }
    // A body that is sent is still parsed: garbage is refused as before.
    const garbage = await request(t.url)
      .post(`/webhooks/${id}/test`)
      .set('x-api-key', clientKey)
      .set('content-type', 'application/xml')
      .send('<a/>');
    expect(garbage.status).toBe(415);
    expect(errorOf(garbage).code).toBe('UNSUPPORTED_MEDIA_TYPE');

    const removed = await request(t.url)
      .delete(`/webhooks/${id}`)
      .set('x-api-key', clientKey)
      .set('content-type', 'application/json');
    expect(removed.status).toBe(204);
    const gone = await request(t.url)
      .delete(`/webhooks/${id}`)
      .set('x-api-key', clientKey)
      .set('content-type', 'application/json');
    expect(gone.status).toBe(404);
    expect(errorOf(gone).code).toBe('NOT_FOUND');
  });

  it('refuses a missing body on routes that need one with a 400 naming the body', async () => {
    for (const contentType of ['application/json', 'text/plain', undefined]) {
      const call = request(t.url).post('/webhooks').set('x-api-key', clientKey);
      const answer = await (contentType ? call.set('content-type', contentType) : call);
      expect(`${contentType}: ${answer.status}`).toBe(`${contentType}: 400`);
      const error = errorOf(answer);
      expect(error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ field: 'body', problem: expect.stringContaining('required') }],
      });
      expect(error.message).toContain('body is required');
    }
    // GraphQL has no query without a body.
    const graphql = await request(t.url)
      .post('/graphql')
      .set('x-api-key', clientKey)
      .set('content-type', 'application/json');
    expect(graphql.status).toBe(400);
    // A body whose fields are all optional may be left out: it is taken as {}.
    expect(document.paths['/admin/jobs/clean-queues']?.post?.requestBody).toMatchObject({
      required: false,
    });
    const cleaned = await request(t.url)
      .post('/admin/jobs/clean-queues')
      .set('x-api-key', t.adminKey)
      .set('content-type', 'application/json');
    expect(cleaned.status).toBe(202);
  });

  it('holds responses to the contract: a status, a field or a code it does not name is a violation', () => {
    const validator = new ContractValidator(document);
    const observed = {
      method: 'GET',
      route: '/webhooks/:id',
      contentType: 'application/json; charset=utf-8',
      headers: {},
    };
    const envelope = {
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: 'No webhook',
      requestId: 'r1',
    };
    expect(validator.check({ ...observed, status: 404, body: JSON.stringify(envelope) })).toEqual(
      [],
    );
    expect(validator.check({ ...observed, status: 418, body: '{}' })).toEqual([
      expect.stringContaining('418: status not documented'),
    ]);
    expect(
      validator.check({
        ...observed,
        status: 404,
        body: JSON.stringify({ ...envelope, stack: 'x' }),
      }),
    ).toEqual([expect.stringContaining('must NOT have additional properties (stack)')]);
    expect(
      validator.check({
        ...observed,
        status: 404,
        body: JSON.stringify({ ...envelope, code: 'CONFLICT' }),
      }),
    ).toEqual([
      expect.stringContaining('code CONFLICT belongs to status 409'),
      expect.stringContaining('code CONFLICT is not one the operation documents'),
    ]);
    expect(
      validator.check({
        ...observed,
        route: '/metrics',
        status: 200,
        contentType: 'text/html',
        body: '<p>',
      }),
    ).toEqual([expect.stringContaining('body of type text/html')]);
  });
});
