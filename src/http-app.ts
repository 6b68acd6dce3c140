import { STATUS_CODES } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import type { Duplex } from 'node:stream';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AppModule, type AppRoles } from './app.module';
import { ApiKeysService } from './auth/api-keys.service';
import { registerAuthentication } from './auth/authentication.hook';
import { AuthException } from './auth/auth.exception';
import { AppException, type ErrorCode } from './common/app.exception';
import { mapError } from './common/error-response';
import { LifecycleService } from './common/lifecycle.service';
import { registerIdempotency } from './common/idempotency';
import { registerOverloadShedding } from './common/overload';
import { depthLimitedJsonParser, dropEmptyBodyContentType, requireBody } from './common/json-body';
import { accessLevelsByOperation, addErrorModel, operationIdOf } from './common/openapi-errors';
import { sortOpenApiDocument } from './common/openapi-order';
import { registerRateLimit } from './common/rate-limit';
import { requestIdFor } from './common/request-id';
import { createValidationPipe } from './common/validation';
import type { AppConfig } from './config/app-config';
import { MetricsService } from './health/metrics.service';
import { createAccessLog } from './logging/access-log';
import { QueueService } from './queue/queue.service';
import { RedisService } from './redis/redis.service';
import { PaperTradeExecutedDto } from './paper/dto/paper-trade-event.dto';
import { registerDashboard } from './web/dashboard.routes';
import { WebhookTestDataDto } from './webhooks/dto/webhook-test-data.dto';
import { addWebhookEvents } from './webhooks/webhook-events.openapi';

const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Errors Node's HTTP parser raises before a request exists (request line and headers over 16 KB,
 * garbage instead of HTTP, header timeout): answered in the service's error shape, then closed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message]: [number, ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'The request line and headers exceed 16 KB']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'The request headers did not arrive in time']
        : [400, 'BAD_REQUEST', 'The request is not valid HTTP'];
  const body = JSON.stringify({ statusCode: status, error: STATUS_CODES[status], code, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('crypto-freq-trade')
    .setDescription(
      'Crypto prediction API: candles, indicators, sentiment, LSTM predictions and buy/sell/hold signals. ' +
        'Every error has the shape { statusCode, error, code, message, details?, requestId }.',
    )
    .setVersion('0.1.0')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: operationIdOf,
    // The webhook bodies' data schemas that no route returns.
    extraModels: [PaperTradeExecutedDto, WebhookTestDataDto],
  });
  // Every POST takes an Idempotency-Key (src/common/idempotency.ts).
  // A fresh object each time: a shared one would be written as a YAML anchor.
  const idempotencyKey = () => ({
    name: 'Idempotency-Key',
    in: 'header' as const,
    required: false,
    description:
      'Makes a repeat of this request safe: for 24 h, the same key with the same request gets the first answer again (header idempotent-replayed: true); with another request, 422; while the first still runs, 409.',
    schema: { type: 'string' as const, maxLength: 255 },
  });
  for (const item of Object.values(document.paths)) {
    if (item.post) {
      item.post.parameters = [...(item.post.parameters ?? []), idempotencyKey()];
    }
  }
  // Security schemes, each operation's access, and the errors it can answer with.
  addErrorModel(document, accessLevelsByOperation(app));
  addWebhookEvents(document);
  sortOpenApiDocument(document);
  return document;
}

/**
 * The HTTP API on Fastify: request ids, authentication, Redis-backed rate limits, Idempotency-Key
 * on POSTs, one log line and one latency observation per request, Swagger at /docs, Bull Board
 * at /admin/queues and the web dashboard at / (`web/`).
 */
export async function createHttpApp(params: {
  config: AppConfig;
  rootLogger: Logger;
  roles: AppRoles;
}): Promise<NestFastifyApplication> {
  const { config, rootLogger } = params;
  const adapter = new FastifyAdapter({
    // No Fastify logger: it would build a child logger for every request. The one request line
    // is written below from the root logger, with the request id as a field.
    logger: false,
    genReqId: requestIdFor,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.get('TRUST_PROXY'),
    // Requests that arrive while the server closes get the error envelope (below), not Fastify's.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 500 },
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ ...params, roles: { ...params.roles, api: true } }),
    adapter,
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(app.get(PinoNestLogger));
  app.flushLogs();
  app.useGlobalPipes(requireBody(createValidationPipe()));

  const fastify = app.getHttpAdapter().getInstance();
  // JSON nested too deep is refused before parsing (REST and GraphQL alike). Registering a parser
  // keeps Nest from registering its own two, so the form parser is registered here as well.
  app.useBodyParser(
    'application/json',
    { bodyLimit: BODY_LIMIT_BYTES },
    depthLimitedJsonParser(fastify),
  );
  app.useBodyParser(
    'application/x-www-form-urlencoded',
    { bodyLimit: BODY_LIMIT_BYTES },
    (_request, body, done) => done(null, parseQueryString(body.toString())),
  );
  const metrics = app.get(MetricsService);
  const lifecycle = app.get(LifecycleService);
  const accessLog = createAccessLog(rootLogger);
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    dropEmptyBodyContentType(request.headers);
    if (lifecycle.draining || closing) {
      void reply.header('connection', 'close');
    }
    if (closing) {
      // On a keep-alive connection that was busy when the server began to close.
      return done(
        new AppException(
          'SERVICE_UNAVAILABLE',
          'The server is shutting down; send the request again (another instance, or this one after its restart)',
        ),
      );
    }
    done();
  });
  registerOverloadShedding(fastify, { config, metrics });
  registerAuthentication(fastify, app.get(ApiKeysService), rootLogger);
  registerRateLimit(fastify, { config, redis: app.get(RedisService) });
  registerIdempotency(fastify, {
    redis: app.get(RedisService).client,
    prefix: `${config.redisKey('idempotency')}:`,
    secretKey: config.get('SECRET_KEY'),
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const durationMs = reply.elapsedTime;
    metrics.observeHttp({
      method: request.method,
      route,
      statusCode: reply.statusCode,
      seconds: durationMs / 1000,
    });
    accessLog({
      requestId: request.id,
      method: request.method,
      url: request.url,
      route,
      statusCode: reply.statusCode,
      durationMs,
      apiKey: request.principal?.prefix,
    });
    done();
  });

  // Errors raised by Fastify itself or by the hooks above (bad JSON, body too large, 429, 503)
  // never reach Nest's filters: answer them in the same shape.
  fastify.setErrorHandler((error, request, reply) => {
    const { body, unexpected } = mapError(error, request.id);
    if (unexpected) {
      rootLogger.error(
        { err: error, requestId: request.id },
        `Request ${request.id} failed with an unexpected error`,
      );
    }
    void reply.status(body.statusCode).send(body);
  });
  // Nest sets its own Fastify error handler after the routes exist, where Fastify no longer
  // applies it to them (and warns about the override); the handler above is the one in force.
  adapter.setErrorHandler = () => fastify;
  await registerBullBoard(fastify, app.get(QueueService));
  await registerDashboard(fastify, { logger: rootLogger, publicRead: config.get('PUBLIC_READ') });
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs/openapi.json',
  });
  await app.init();
  if (!(await app.get(ApiKeysService).hasActiveAdmin())) {
    rootLogger.warn(
      'No admin API key exists yet: create one with `npm run cli -- api-key create --name me --role admin`, or set ADMIN_API_KEY',
    );
  }
  return app;
}

/** Bull Board for admins. Browsers may send the admin key as the Basic-auth password. */
async function registerBullBoard(fastify: FastifyInstance, queues: QueueService): Promise<void> {
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath('/admin/queues');
  createBullBoard({
    queues: queues.all().map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
  });
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = request.principal;
      if (principal?.role === 'admin') {
        return;
      }
      const error = principal
        ? new AuthException(
            'FORBIDDEN',
            `Bull Board needs an admin key; key ${principal.prefix}… has role ${principal.role}`,
          )
        : new AuthException(
            'UNAUTHENTICATED',
            'Bull Board needs an admin key (as x-api-key, Bearer, or the Basic-auth password)',
          );
      const { body } = mapError(error, request.id);
      if (!principal) {
        void reply.header('www-authenticate', 'Basic realm="crypto-freq-trade queues"');
      }
      await reply.status(body.statusCode).send(body);
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: '/admin/queues' });
  });
}
