/** /Users: list (filter, paging), create, get, replace, patch, delete. */
import type { FastifyInstance } from 'fastify';
import { USER_SCHEMA } from './attributes.ts';
import { parseFilter } from './filter/parse.ts';
import { applyPatch, readPatchBody, type JsonObject } from './patch.ts';
import {
  SCIM_CONTENT_TYPE,
  attributeList,
  etagOf,
  ifMatchVersion,
  listResponse,
  project,
  userResource,
} from './serialise.ts';
import { bodyObject, checkSchemas, paging, param } from './query.ts';
import type { ScimContext } from './routes.ts';
import { ScimFilterCompiler } from '../../store/scim-filter-sql.ts';
import { listScimUsers, type ScimUserRow } from '../../store/scim-repo.ts';

type IdParams = { Params: { id: string } };

export function userRoutes(scim: FastifyInstance, ctx: ScimContext): void {
  const { store } = ctx;

  const answer = (row: ScimUserRow, base: string, req: Parameters<ScimContext['base']>[0]) =>
    project(
      userResource(row, base),
      attributeList(param(req, 'attributes'), USER_SCHEMA),
      attributeList(param(req, 'excludedAttributes'), USER_SCHEMA),
    );

  scim.get('/Users', async (req, reply) => {
    const directoryId = ctx.directoryOf(req);
    const { startIndex, count } = paging(req);
    const filterText = param(req, 'filter');
    const cond =
      filterText === undefined || filterText.trim() === ''
        ? undefined
        : new ScimFilterCompiler(store.caps, 'User', directoryId).compile(
            parseFilter(filterText, 'User'),
          );
    const { rows, total } = await listScimUsers(store.db, directoryId, cond, startIndex - 1, count);
    const base = ctx.base(req);
    return reply.type(SCIM_CONTENT_TYPE).send(
      listResponse(
        rows.map((r) => answer(r, base, req)),
        total,
        startIndex,
      ),
    );
  });

  scim.post('/Users', async (req, reply) => {
    const body = bodyObject(req);
    checkSchemas(body, USER_SCHEMA);
    const row = await ctx.users.create(await ctx.actor(req), ctx.directoryOf(req), body);
    const base = ctx.base(req);
    return reply
      .code(201)
      .type(SCIM_CONTENT_TYPE)
      .header('etag', etagOf(row.version))
      .header('location', `${base}/Users/${row.scim_id}`)
      .send(answer(row, base, req));
  });

  scim.get<IdParams>('/Users/:id', async (req, reply) => {
    const row = await ctx.users.get(ctx.directoryOf(req), req.params.id);
    return reply
      .type(SCIM_CONTENT_TYPE)
      .header('etag', etagOf(row.version))
      .send(answer(row, ctx.base(req), req));
  });

  scim.put<IdParams>('/Users/:id', async (req, reply) => {
    const body = bodyObject(req);
    checkSchemas(body, USER_SCHEMA);
    const row = await ctx.users.replace(
      await ctx.actor(req),
      ctx.directoryOf(req),
      req.params.id,
      body,
      ifMatchVersion(req.headers['if-match']),
    );
    return reply
      .type(SCIM_CONTENT_TYPE)
      .header('etag', etagOf(row.version))
      .send(answer(row, ctx.base(req), req));
  });

  scim.patch<IdParams>('/Users/:id', async (req, reply) => {
    const ops = readPatchBody(req.body);
    const directoryId = ctx.directoryOf(req);
    const current = await ctx.users.get(directoryId, req.params.id);
    const wanted = ifMatchVersion(req.headers['if-match']);
    const resource: JsonObject = {
      ...(JSON.parse(current.resource) as JsonObject),
      userName: current.user_name,
      active: current.active === 1,
    };
    const next = applyPatch(resource, ops, 'User');
    // The version read here guards the write: a change in between is 412, not lost.
    const row = await ctx.users.replace(
      await ctx.actor(req),
      directoryId,
      req.params.id,
      next,
      wanted ?? current.version,
    );
    return reply
      .type(SCIM_CONTENT_TYPE)
      .header('etag', etagOf(row.version))
      .send(answer(row, ctx.base(req), req));
  });

  scim.delete<IdParams>('/Users/:id', async (req, reply) => {
    await ctx.users.delete(
      await ctx.actor(req),
      ctx.directoryOf(req),
      req.params.id,
      ifMatchVersion(req.headers['if-match']),
    );
    return reply.code(204).send();
  });
}
