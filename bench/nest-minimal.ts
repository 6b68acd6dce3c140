import 'reflect-metadata';
/**
 * A second reference for `bench:http`: NestJS on Fastify with one controller answering the same
 * JSON and nothing else (no auth, limits, logs or metrics), to show what the framework itself costs.
 */
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class MeController {
  @Get('me')
  me(): Record<string, string> {
    return {
      apiKeyId: '00000000-0000-4000-8000-000000000000',
      name: 'bench',
      role: 'admin',
      prefix: 'bench-key-01',
    };
  }
}
@Module({ controllers: [MeController] })
class MinimalModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    MinimalModule,
    new FastifyAdapter(),
    { logger: false },
  );
  app
    .getHttpAdapter()
    .get('/health', (_request: unknown, reply: { send(body: unknown): void }) =>
      reply.send({ status: 'ok' }),
    );
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  // Exit normally on SIGTERM, so BENCH_SERVER_NODE_ARGS="--cpu-prof" writes its profile.
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}
void main();
