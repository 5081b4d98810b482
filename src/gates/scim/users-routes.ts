/** /Users: list (filter, paging), create, get, replace, patch, delete. */
import type { FastifyInstance } from 'fastify';
import { USER_SCHEMA } from './attributes.ts';
import { parseFilter } from './filter/parse.ts';
import { applyPatch, readPatchBody } from './patch.ts';
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
import type { ScimUserRow } from '../../store/scim-repo.ts';
import type { JsonObject } from './patch.ts';

type IdParams = { Params: { id: string } };

export function userRoutes(scim: FastifyInstance, ctx: ScimContext): void {
  const answer = (
    row: ScimUserRow,
    base: string,
    req: Parameters<ScimContext['base']>[0],
    stored?: JsonObject,
  ) =>
    project(
      userResource(row, base, stored),
      attributeList(param(req, 'attributes'), USER_SCHEMA),
      attributeList(param(req, 'excludedAttributes'), USER_SCHEMA),
    );

  scim.get('/Users', async (req, reply) => {
    const directoryId = ctx.directoryOf(req);
    const { startIndex, count } = paging(req);
    const filterText = param(req, 'filter');
    const filter =
      filterText === undefined || filterText.trim() === ''
        ? undefined
        : parseFilter(filterText, 'User');
    const { rows, total } = await ctx.users.list(directoryId, filter, startIndex - 1, count);
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
    const { row, stored } = await ctx.users.create(
      await ctx.actor(req),
      ctx.directoryOf(req),
      body,
    );
    const base = ctx.base(req);
    return reply
      .code(201)
      .type(SCIM_CONTENT_TYPE)
      .header('etag', etagOf(row.version))
      .header('location', `${base}/Users/${row.scim_id}`)
      .send(answer(row, base, req, stored));
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
    const { row, stored } = await ctx.users.replace(
      await ctx.actor(req),
      ctx.directoryOf(req),
      req.params.id,
      body,
      ifMatchVersion(req.headers['if-match']),
    );
    return reply
      .type(SCIM_CONTENT_TYPE)
      .header('etag', etagOf(row.version))
      .send(answer(row, ctx.base(req), req, stored));
  });

  scim.patch<IdParams>('/Users/:id', async (req, reply) => {
    const ops = readPatchBody(req.body);
    const { row, stored } = await ctx.users.patch(
      await ctx.actor(req),
      ctx.directoryOf(req),
      req.params.id,
      (resource) => applyPatch(resource, ops, 'User'),
      ifMatchVersion(req.headers['if-match']),
    );
    return reply
      .type(SCIM_CONTENT_TYPE)
      .header('etag', etagOf(row.version))
      .send(answer(row, ctx.base(req), req, stored));
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
