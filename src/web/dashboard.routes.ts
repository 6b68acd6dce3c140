import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppException } from '../common/app.exception';

class DashboardException extends AppException {}

/**
 * Client-side routes of the dashboard live under this prefix (the REST API owns `/markets`,
 * `/models`, `/webhooks`, ...): any GET under it answers index.html and the app routes itself.
 */
const DASHBOARD_ROUTE_PREFIX = '/ui';
/** Hashed bundles and styles: their names change with their content, so they are cached for good. */
const DASHBOARD_ASSETS_PREFIX = '/assets/';

/** `web/dist` of the package this file belongs to (`src/web/` in tests, `dist/src/web/` built). */
export function dashboardDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) {
    dir = dirname(dir);
  }
  return join(dir, 'web', 'dist');
}

/**
 * The web dashboard (`web/`, built by `npm run build:web`): index.html at `/` and under
 * `/ui/` (no-cache, with an ETag), hashed assets under `/assets/` (a year, immutable; `.br` / `.gz`
 * siblings served to clients that accept them). Plain Fastify routes, so the access guard never
 * sees them: they are public, and the page asks for a key itself. index.html says whether
 * PUBLIC_READ is on (a meta tag), so a visitor without a key is not sent a 401 to find out.
 */
export async function registerDashboard(
  fastify: FastifyInstance,
  params: { logger: Logger; publicRead: boolean; dir?: string },
): Promise<void> {
  const dir = params.dir ?? dashboardDir();
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) {
    params.logger.warn(
      `The dashboard is not built (${indexPath} is missing): run \`npm run build:web\``,
    );
  }
  await fastify.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: DASHBOARD_ASSETS_PREFIX,
    // Swagger UI registers its own instance; only one may decorate the reply.
    decorateReply: false,
    index: false,
    immutable: true,
    maxAge: '365d',
    preCompressed: true,
  });

  const publicReadMeta = `<meta name="cft-public-read" content="${params.publicRead}" />`;
  const serveIndex = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // Read on every request (about 1 KB): a rebuilt bundle is picked up without a restart.
    const template = await readFile(indexPath, 'utf8').catch(() => {
      throw new DashboardException(
        'NOT_FOUND',
        'The dashboard is not built: run `npm run build:web` (or `npm run build`)',
      );
    });
    const html = template.replace('<head>', `<head>\n    ${publicReadMeta}`);
    const etag = `"${createHash('sha1').update(html).digest('base64url')}"`;
    void reply.header('cache-control', 'no-cache').header('etag', etag);
    if (request.headers['if-none-match'] === etag) {
      await reply.status(304).send();
      return;
    }
    await reply.type('text/html; charset=utf-8').send(html);
  };
  fastify.get('/', serveIndex);
  fastify.get(DASHBOARD_ROUTE_PREFIX, serveIndex);
  fastify.get(`${DASHBOARD_ROUTE_PREFIX}/*`, serveIndex);
}
