/** What every API route shares: the caller, permission checks, paging links and ETags. */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Actor, Gate } from '../../core/context.ts';
import { GatehouseError, fail } from '../../core/errors.ts';
import { can, type Permission, type Principal } from '../../auth/permissions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) fail('unauthenticated');
  return req.principal;
}

/**
 * A preValidation hook that lets the request through only with the permission: it runs
 * before the body is validated, so a caller without the right learns nothing from a 400.
 * A callback hook, not a promise: Fastify goes on to the next step at once instead of a
 * microtask later (its hook runner passes a thrown error to the error handler either way).
 */
export function requires(permission: Permission) {
  return (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const p = principalOf(req);
    if (p.mustChangePassword && p.via === 'session') fail('password_change_required');
    if (!can(p, permission)) fail('forbidden');
    done();
  };
}

export function actorOf(req: FastifyRequest, gate: Gate = 'api'): Actor {
  const p = principalOf(req);
  return {
    personId: p.personId,
    label: p.username,
    // Writes made by the console's session are the console gate; by API keys, the API gate.
    gate: p.via === 'session' && gate === 'api' ? 'console' : gate,
    apiKeyId: p.apiKeyId,
    requestId: req.id,
    ip: req.ip,
  };
}

export function baseUrl(req: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${req.protocol}://${req.host}`;
}

/** `{offset, limit, total, prev, next}` with absolute URLs that keep the other query parameters. */
export function pagination(
  req: FastifyRequest,
  publicUrl: string | undefined,
  offset: number,
  limit: number,
  total: number,
) {
  const url = new URL(req.url, baseUrl(req, publicUrl));
  const link = (o: number) => {
    const u = new URL(url);
    u.searchParams.set('offset', String(o));
    u.searchParams.set('limit', String(limit));
    return u.toString();
  };
  return {
    offset,
    limit,
    total,
    prev: offset > 0 ? link(Math.max(0, offset - limit)) : null,
    next: offset + limit < total ? link(offset + limit) : null,
  };
}

export function etagOf(id: number, version: number): string {
  return `"${id}.${version}"`;
}

/** The version an If-Match header asks for; undefined when absent or "*". 412 when it names another resource. */
export function ifMatchVersion(req: FastifyRequest, id: number): number | undefined {
  const h = req.headers['if-match'];
  if (h === undefined || h.trim() === '*') return undefined;
  const m = /^(?:W\/)?"(\d+)\.(\d+)"$/.exec(h.trim());
  if (!m || Number(m[1]) !== id) throw new GatehouseError('precondition_failed');
  return Number(m[2]);
}

export function setEtag(reply: FastifyReply, id: number, version: number): void {
  void reply.header('etag', etagOf(id, version));
}

import type { FastifyInstance, FastifyBaseLogger, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

/** A Fastify instance whose routes are typed by their TypeBox schemas. */
export type Api = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * A preValidation hook: multipart bodies go only to routes that take files; elsewhere they
 * are 415 (not a confusing "body must be an object").
 */
export function multipartOnlyWhereConsumed(
  req: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const type = req.headers['content-type'];
  // Most requests (every GET) have no body: nothing to look at.
  if (type !== undefined && /^multipart\//i.test(type)) {
    const consumes = (req.routeOptions.schema?.consumes as string[] | undefined) ?? [];
    if (!consumes.includes('multipart/form-data'))
      fail('unsupported_media_type', 'Send the body as application/json.');
  }
  done();
}
