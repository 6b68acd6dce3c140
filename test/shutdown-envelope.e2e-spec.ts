import { connect } from 'node:net';
import { scratchName } from './support/test-env';
import { startTestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

describe('a request that arrives while the server closes', () => {
  it('gets 503 in the error envelope, with its request id and Connection: close', async () => {
    const t = await startTestApp({ env: { REDIS_PREFIX: scratchName('shutdown') } });
    const fastify = t.app.getHttpAdapter().getInstance();
    const { port } = new URL(t.url);
    // A keep-alive connection busy with a request whose headers are still arriving: closing
    // the server does not cut it, and the request completes after closing began.
    const socket = connect(Number(port), '127.0.0.1');
    let raw = '';
    socket.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nx-request-id: closing-1\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // What app.close() does once the modules' shutdown hooks ran: the HTTP server closes.
    const closed = fastify.close();
    await waitFor(async () => (fastify.server.listening ? undefined : true), {
      what: 'the server to stop listening',
    });
    socket.write('\r\n');
    await ended;
    await closed;
    await t.close().catch(() => undefined);
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'SERVICE_UNAVAILABLE',
      message: expect.stringContaining('shutting down'),
      requestId: 'closing-1',
    });
  });
});
