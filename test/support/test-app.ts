import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import pino from 'pino';
import { AppConfig } from '../../src/config/app-config';
import { buildOpenApiDocument, createHttpApp } from '../../src/http-app';
import { ContractValidator } from './contract-validator';
import { TEST_ADMIN_KEY, testEnv } from './test-env';

/**
 * Every response a test app sends is checked against the OpenAPI document of that same app (the
 * code's contract, so a fix to a DTO applies at once; the committed openapi.yaml is checked
 * against it by contracts.e2e-spec.ts). Violations are collected here and fail the test during
 * which they happened (or the file, for calls made in hooks).
 */
const contractViolations: string[] = [];

function failOnContractViolations(): void {
  if (contractViolations.length === 0) {
    return;
  }
  const found = contractViolations.splice(0);
  throw new Error(
    `${found.length} response(s) outside the OpenAPI contract:\n${[...new Set(found)].join('\n')}`,
  );
}
afterEach(failOnContractViolations);
afterAll(failOnContractViolations);

/**
 * Installs the check on every response of `app`; returns the app's document. The document is
 * built at the first response rather than at start: building it holds the event loop for a few
 * hundred milliseconds, which right after start-up would count towards load shedding.
 */
function checkResponsesAgainstContract(app: NestFastifyApplication): () => OpenAPIObject {
  let validator: ContractValidator | undefined;
  const contract = () => (validator ??= new ContractValidator(buildOpenApiDocument(app)));
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const contentType = reply.getHeader('content-type');
    try {
      contractViolations.push(
        ...contract().check({
          method: request.method,
          route: request.routeOptions.url,
          status: reply.statusCode,
          contentType: typeof contentType === 'string' ? contentType : undefined,
          headers: reply.getHeaders(),
          body:
            typeof payload === 'string'
              ? payload
              : Buffer.isBuffer(payload)
                ? payload.toString('utf8')
                : payload === null || payload === undefined
                  ? ''
                  : undefined,
        }),
      );
    } catch (error) {
      // A schema the validator cannot compile is a finding too; the answer still goes out.
      contractViolations.push(
        `${request.method} ${request.routeOptions.url ?? request.url} ${reply.statusCode}: the check failed: ${(error as Error).message}`,
      );
    }
    done(null, payload);
  });
  return () => contract().document;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  adminKey: string;
  /** The app's OpenAPI document, which its responses are checked against. */
  openapi(): OpenAPIObject;
  close(): Promise<void>;
}

/** The real HTTP app on a random port, against this run's PostgreSQL database and Redis prefix. */
export async function startTestApp(
  params: { env?: Record<string, string | undefined>; worker?: boolean } = {},
): Promise<TestApp> {
  // No load shedding unless a test asks for it: on a busy machine start-up alone holds the event
  // loop long enough to shed the first requests (overload.e2e-spec.ts sets its own limit).
  const config = AppConfig.fromEnv(testEnv({ OVERLOAD_EVENT_LOOP_DELAY_MS: '0', ...params.env }));
  const app = await createHttpApp({
    config,
    rootLogger: pino({ level: 'silent' }),
    roles: { api: true, worker: params.worker ?? false },
  });
  const openapi = checkResponsesAgainstContract(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = await app.getUrl();
  return {
    app,
    config,
    url: url.replace('[::1]', '127.0.0.1'),
    adminKey: config.get('ADMIN_API_KEY') ?? TEST_ADMIN_KEY,
    openapi,
    close: () => app.close(),
  };
}
