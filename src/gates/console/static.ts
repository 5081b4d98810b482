/**
 * Serves the built web console (web/dist) at /. Hashed assets are cached for a year;
 * index.html is revalidated every time so a new build is picked up at once. Any other
 * path outside /api falls back to index.html, where the console's router takes over.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { App } from '../../app.ts';
import { GatehouseError } from '../../core/errors.ts';
import { CONSOLE_DIST } from '../../paths.ts';

const NOT_CONSOLE = /^\/(api|scim|healthz)(\/|$|\?)/;

export async function consoleRoutes(
  server: FastifyInstance,
  _app: App,
  dist = CONSOLE_DIST,
): Promise<void> {
  const indexFile = path.join(dist, 'index.html');
  if (!existsSync(indexFile)) {
    server.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply
        .type('text/html')
        .header('cache-control', 'no-cache')
        .send(
          '<!doctype html><title>Gatehouse</title><p>Gatehouse is running, but the console is not built: run <code>npm run build:web</code>. The People API is at <a href="/api/people/v2/docs">/api/people/v2/docs</a>.</p>',
        ),
    );
    return;
  }

  const sendIndex = async (reply: FastifyReply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(await readFile(indexFile));

  await server.register(fastifyStatic, {
    root: dist,
    prefix: '/',
    index: false,
    wildcard: false,
    decorateReply: false,
    cacheControl: false,
    setHeaders(res, filePath) {
      const hashed = filePath.startsWith(path.join(dist, 'assets') + path.sep);
      res.setHeader(
        'cache-control',
        hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
      );
    },
  });

  server.get('/', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  server.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const url = req.url.split('?')[0] ?? '/';
    // API paths keep their JSON 404; missing hashed assets are a real 404, not the app.
    if (
      NOT_CONSOLE.test(url) ||
      url.startsWith('/assets/') ||
      (req.method !== 'GET' && req.method !== 'HEAD')
    )
      throw new GatehouseError(
        'route_not_found',
        `There is no ${req.method} ${url}. See /api/people/v2/openapi.json for the API.`,
      );
    return sendIndex(reply);
  });
}
