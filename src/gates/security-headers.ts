/**
 * The security headers of every answer (helmet's: content security policy, HSTS, frame and
 * sniffing protections…), worked out once at start and set on each answer as a list.
 *
 * Why not @fastify/helmet: it builds a new helmet middleware for every request (parsing the
 * CSP directives again each time) in two hooks, about 6 % of the server's CPU time on
 * `GET /users/{id}` (bench/api.bench.ts). With static options, helmet's headers are the same
 * for every request, so they are computed by running helmet once against a recorder.
 * A route that needs another policy sets its own header; Fastify's reply headers win over
 * these (they are written with writeHead).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

export function helmetHeaders(options: Readonly<HelmetOptions>): [string, string][] {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  };
  // Helmet 8 throws a bad option at once; its callback only says it is done.
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return [...headers];
}

/** Sets the headers on every answer of `server`, before any route runs. */
export function addSecurityHeaders(
  server: FastifyInstance,
  options: Readonly<HelmetOptions>,
): void {
  const headers = helmetHeaders(options);
  server.addHook('onRequest', (_req, reply, next) => {
    const res = reply.raw;
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  });
}
