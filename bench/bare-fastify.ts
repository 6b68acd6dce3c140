import Fastify from 'fastify';

/** The reference: bare Fastify answering the same JSON as `GET /me` (and `GET /predict/BTC`), nothing else. */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 0);
  const app = Fastify({ logger: false });
  const body = {
    apiKeyId: '00000000-0000-4000-8000-000000000000',
    name: 'bench',
    role: 'admin',
    prefix: 'bench-key-01',
  };
  app.get('/me', async () => body);
  // The predict benchmark hands over the JSON the service answers, to serve the same bytes' worth.
  const predictBody = process.env.BENCH_PREDICT_BODY
    ? (JSON.parse(process.env.BENCH_PREDICT_BODY) as object)
    : undefined;
  // Conditional requests as the service answers them: a strong ETag, 304 when it matches.
  const etag = '"bare-predict-btc"';
  app.get('/predict/BTC', async (request, reply) => {
    void reply.header('etag', etag).header('cache-control', 'public, max-age=60');
    if (request.headers['if-none-match'] === etag) {
      return reply.code(304).send();
    }
    return predictBody ?? {};
  });
  app.get('/health', async () => ({ status: 'ok' }));
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();
