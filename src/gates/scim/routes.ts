/**
 * The SCIM 2.0 server under /scim/v2: a Fastify scope of its own, with its own bearer-token
 * authentication (a token sees only its directory), its own parser for
 * application/scim+json, its own error handler (the SCIM error schema) and a request log
 * per directory.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { App } from '../../app.ts';
import type { Store } from '../../store/database.ts';
import type { Actor } from '../../core/context.ts';
import { fail, GatehouseError } from '../../core/errors.ts';
import { ScimTokens } from '../../core/scim/tokens.ts';
import { ScimUsers } from '../../core/scim/users.ts';
import { ScimGroups } from '../../core/scim/groups.ts';
import { DirectoryGroups } from '../../core/sync/groups.ts';
import { baseUrl } from '../api/http.ts';
import { scimErrorHandler } from './errors.ts';
import { requestLogOf } from './request-log.ts';
import { SCIM_CONTENT_TYPE, listResponse } from './serialise.ts';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.ts';
import { userRoutes } from './users-routes.ts';
import { groupRoutes } from './groups-routes.ts';

export const SCIM_PREFIX = '/scim/v2';

declare module 'fastify' {
  interface FastifyRequest {
    /** The SCIM directory whose token authenticated this request. */
    scimDirectoryId?: number;
  }
}

export interface ScimContext {
  store: Store;
  users: ScimUsers;
  groups: ScimGroups;
  /** Absolute base of this SCIM server (…/scim/v2) for locations. */
  base(req: FastifyRequest): string;
  actor(req: FastifyRequest): Promise<Actor>;
  directoryOf(req: FastifyRequest): number;
}

export async function scimRoutes(server: FastifyInstance, app: App): Promise<void> {
  const tokens = new ScimTokens(app.store);
  const log = requestLogOf(app.store);
  const ctx: ScimContext = {
    store: app.store,
    users: new ScimUsers(app.store, app.core.directorySync, app.core.directories),
    groups: new ScimGroups(app.store, new DirectoryGroups(app.store)),
    base: (req) => `${baseUrl(req, app.config.publicUrl)}${SCIM_PREFIX}`,
    directoryOf: (req) => req.scimDirectoryId ?? fail('scim_token_invalid'),
    async actor(req) {
      const id = ctx.directoryOf(req);
      const { name } = await app.core.directories.getRecent(id);
      return {
        personId: null,
        label: `directory:${name}`,
        gate: 'scim',
        directoryId: id,
        requestId: req.id,
        ip: req.ip,
      };
    },
  };

  await server.register(
    (scim, _opts, done) => {
      // SCIM is documented by its own discovery endpoints (and docs/scim.md), not the People API's OpenAPI.
      scim.addHook('onRoute', (route) => {
        route.schema = { ...route.schema, hide: true };
      });
      scim.setErrorHandler(scimErrorHandler);
      scim.setNotFoundHandler((req, reply) =>
        scimErrorHandler(
          new GatehouseError(
            'route_not_found',
            `There is no ${req.method} ${req.url.split('?')[0]}. SCIM resources are ${SCIM_PREFIX}/Users and ${SCIM_PREFIX}/Groups.`,
          ),
          req,
          reply,
        ),
      );
      // SCIM clients send application/scim+json (and some application/json): both are JSON,
      // read by Fastify's own parser with its prototype-poisoning protection.
      const parseJson = scim.getDefaultJsonParser('error', 'error');
      scim.removeAllContentTypeParsers();
      for (const type of ['application/scim+json', 'application/json'])
        scim.addContentTypeParser(type, { parseAs: 'string' }, (req, body, done2) => {
          const text = typeof body === 'string' ? body : body.toString('utf8');
          if (text.trim() === '') done2(null, undefined);
          else void parseJson(req, text, done2);
        });

      scim.addHook('onRequest', async (req) => {
        const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
        const caller = m ? await tokens.authenticate(m[1]!) : undefined;
        if (!caller) fail('scim_token_invalid');
        req.scimDirectoryId = caller.directoryId;
      });
      scim.addHook('onResponse', async (req, reply) => {
        if (req.scimDirectoryId === undefined) return;
        log.push({
          directory_id: req.scimDirectoryId,
          at: new Date().toISOString(),
          method: req.method,
          path: req.url.slice(0, 500),
          status: reply.statusCode,
          error: req.scimError?.slice(0, 1000) ?? null,
          request_id: req.id,
        });
      });
      scim.addHook('onClose', async () => log.flush());

      scim.get('/ServiceProviderConfig', async (req, reply) =>
        reply.type(SCIM_CONTENT_TYPE).send(serviceProviderConfig(ctx.base(req))),
      );
      scim.get('/ResourceTypes', async (req, reply) => {
        const list = resourceTypes(ctx.base(req));
        return reply.type(SCIM_CONTENT_TYPE).send(listResponse(list, list.length, 1));
      });
      scim.get<{ Params: { id: string } }>('/ResourceTypes/:id', async (req, reply) => {
        const one = resourceTypes(ctx.base(req)).find((r) => r.id === req.params.id);
        if (!one)
          fail('not_found', `No resource type "${req.params.id}": there are User and Group.`);
        return reply.type(SCIM_CONTENT_TYPE).send(one);
      });
      scim.get('/Schemas', async (req, reply) => {
        const list = schemas(ctx.base(req));
        return reply.type(SCIM_CONTENT_TYPE).send(listResponse(list, list.length, 1));
      });
      scim.get<{ Params: { id: string } }>('/Schemas/:id', async (req, reply) => {
        const one = schemas(ctx.base(req)).find((r) => r.id === req.params.id);
        if (!one) fail('not_found', `No schema "${req.params.id}".`);
        return reply.type(SCIM_CONTENT_TYPE).send(one);
      });
      userRoutes(scim, ctx);
      groupRoutes(scim, ctx);
      // The console's catch-all would answer unknown paths below /scim/v2 otherwise.
      scim.all('/*', (req) => {
        throw new GatehouseError(
          'route_not_found',
          `There is no ${req.method} ${req.url.split('?')[0]}. SCIM resources are ${SCIM_PREFIX}/Users and ${SCIM_PREFIX}/Groups.`,
        );
      });
      done();
    },
    { prefix: SCIM_PREFIX },
  );
}
