import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppException } from '../common/app.exception';
import { GRAPHIQL_CLIENT_SCRIPT, graphiqlHtml } from './graphiql-page';

class GraphiqlException extends AppException {}

const GRAPHIQL_PATH = '/graphiql';
const ASSETS_PREFIX = `${GRAPHIQL_PATH}/assets`;

interface Asset {
  /** `/graphiql/assets/<content hash>/<name>`: a new build gets a new address, so cached for good. */
  url: string;
  contentType: string;
  body: Buffer;
  gzipped?: Buffer;
}

/** The directory of an installed npm package (its package.json's), however its `exports` read. */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || !dir.endsWith(join('node_modules', name))) {
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `The npm package ${name} is not installed (the GraphiQL page serves its files)`,
      );
    }
    dir = parent;
  }
  return dir;
}

/** Built files of the npm packages the page runs on, then the page's own script. */
const PACKAGE_FILES = [
  { name: 'graphiql.min.css', from: 'graphiql', file: 'graphiql.min.css' },
  { name: 'react.production.min.js', from: 'react', file: 'umd/react.production.min.js' },
  {
    name: 'react-dom.production.min.js',
    from: 'react-dom',
    file: 'umd/react-dom.production.min.js',
  },
  { name: 'graphiql.min.js', from: 'graphiql', file: 'graphiql.min.js' },
  { name: 'graphql-ws.min.js', from: 'graphql-ws', file: 'umd/graphql-ws.min.js' },
] as const;

function asset(name: string, body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return {
    url: `${ASSETS_PREFIX}/${hash}/${name}`,
    contentType: name.endsWith('.css')
      ? 'text/css; charset=utf-8'
      : 'text/javascript; charset=utf-8',
    body,
  };
}

function acceptsGzip(request: FastifyRequest): boolean {
  return /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
}

/**
 * GraphiQL at /graphiql, served whole by this service (no CDN, so it works offline and
 * air-gapped): the UMD builds of `graphiql`, `react`, `react-dom` and `graphql-ws` read from
 * node_modules once at start, each under an address that carries its content hash. Plain Fastify
 * routes: the page is public, and the API key goes in GraphiQL's headers editor.
 */
function registerGraphiql(fastify: FastifyInstance): void {
  const files = PACKAGE_FILES.map(({ name, from, file }) =>
    asset(name, readFileSync(join(packageDir(from), file))),
  );
  const client = asset('graphiql-client.js', Buffer.from(GRAPHIQL_CLIENT_SCRIPT));
  const [styles, ...scripts] = [...files, client];
  const html = graphiqlHtml({ styles: styles.url, scripts: scripts.map((script) => script.url) });
  const byUrl = new Map([...files, client].map((entry) => [entry.url, entry]));

  fastify.get(GRAPHIQL_PATH, async (_request, reply: FastifyReply) =>
    reply
      .header('cache-control', 'no-cache')
      .header('content-type', 'text/html; charset=utf-8')
      .send(html),
  );
  fastify.get(`${ASSETS_PREFIX}/:hash/:name`, async (request, reply) => {
    const found = byUrl.get(request.url.split('?')[0] ?? '');
    if (!found) {
      throw new GraphiqlException('NOT_FOUND', `No GraphiQL file at ${request.url}`);
    }
    void reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('content-type', found.contentType)
      .header('vary', 'accept-encoding');
    if (acceptsGzip(request)) {
      found.gzipped ??= gzipSync(found.body);
      return reply.header('content-encoding', 'gzip').send(found.gzipped);
    }
    return reply.send(found.body);
  });
}

/** Registers the GraphiQL routes on the api's Fastify instance when the app starts. */
@Injectable()
export class GraphiqlRoutes implements OnModuleInit {
  private readonly logger = new Logger(GraphiqlRoutes.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    registerGraphiql(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
    this.logger.log(`GraphiQL is served at ${GRAPHIQL_PATH}, from this service's own files`);
  }
}
