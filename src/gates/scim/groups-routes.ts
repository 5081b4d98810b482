/** /Groups: list (filter, paging), create, get, replace, patch, delete. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fail } from '../../core/errors.ts';
import { GROUP_SCHEMA } from './attributes.ts';
import { parseFilter } from './filter/parse.ts';
import { applyPatch, keyOf, readPatchBody, type Json, type JsonObject } from './patch.ts';
import { splitGroupPatch } from './group-patch.ts';
import {
  SCIM_CONTENT_TYPE,
  attributeList,
  etagOf,
  groupResource,
  ifMatchVersion,
  listResponse,
  project,
} from './serialise.ts';
import { bodyObject, checkSchemas, paging, param } from './query.ts';
import type { ScimContext } from './routes.ts';
import type { ScimGroupRow } from '../../store/scim-repo.ts';

type IdParams = { Params: { id: string } };

function displayNameOf(body: JsonObject): string {
  const v = body[keyOf(body, 'displayName') ?? 'displayName'];
  if (typeof v !== 'string' || v.trim() === '')
    fail('scim_invalid_value', 'A group needs "displayName": a non-empty string.');
  return v;
}

function externalIdOf(body: JsonObject): string | null {
  const v = body[keyOf(body, 'externalId') ?? 'externalId'];
  return typeof v === 'string' ? v : null;
}

function memberValues(body: JsonObject): string[] {
  const v: Json | undefined = body[keyOf(body, 'members') ?? 'members'];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail('scim_invalid_value', '"members" must be a list.');
  return v.map((m) => {
    const value = typeof m === 'object' && m !== null && !Array.isArray(m) ? m.value : undefined;
    if (typeof value !== 'string' || value === '')
      fail('scim_invalid_value', 'Each member needs "value": the user\'s id.');
    return value;
  });
}

export function groupRoutes(scim: FastifyInstance, ctx: ScimContext): void {
  /** Members are read only when they will be answered (Entra asks excludedAttributes=members). */
  const answer = async (row: ScimGroupRow, req: FastifyRequest): Promise<JsonObject> => {
    const include = attributeList(param(req, 'attributes'), GROUP_SCHEMA);
    const exclude = attributeList(param(req, 'excludedAttributes'), GROUP_SCHEMA);
    const wantsMembers =
      include.length > 0
        ? include.some((a) => a.toLowerCase().startsWith('members'))
        : !exclude.some((a) => a.toLowerCase() === 'members');
    const members = wantsMembers ? await ctx.groups.members(row.directory_id, row.group_id) : null;
    return project(groupResource(row, ctx.base(req), members), include, exclude);
  };

  scim.get('/Groups', async (req, reply) => {
    const directoryId = ctx.directoryOf(req);
    const { startIndex, count } = paging(req);
    const filterText = param(req, 'filter');
    const filter =
      filterText === undefined || filterText.trim() === ''
        ? undefined
        : parseFilter(filterText, 'Group');
    const { rows, total } = await ctx.groups.list(directoryId, filter, startIndex - 1, count);
    const resources: JsonObject[] = [];
    for (const r of rows) resources.push(await answer(r, req));
    return reply.type(SCIM_CONTENT_TYPE).send(listResponse(resources, total, startIndex));
  });

  scim.post('/Groups', async (req, reply) => {
    const body = bodyObject(req);
    checkSchemas(body, GROUP_SCHEMA);
    const row = await ctx.groups.create(
      await ctx.actor(req),
      ctx.directoryOf(req),
      displayNameOf(body),
      externalIdOf(body),
      memberValues(body),
    );
    return reply
      .code(201)
      .type(SCIM_CONTENT_TYPE)
      .header('etag', etagOf(row.version))
      .header('location', `${ctx.base(req)}/Groups/${row.scim_id}`)
      .send(await answer(row, req));
  });

  scim.get<IdParams>('/Groups/:id', async (req, reply) => {
    const row = await ctx.groups.get(ctx.directoryOf(req), req.params.id);
    return reply
      .type(SCIM_CONTENT_TYPE)
      .header('etag', etagOf(row.version))
      .send(await answer(row, req));
  });

  scim.put<IdParams>('/Groups/:id', async (req, reply) => {
    const body = bodyObject(req);
    checkSchemas(body, GROUP_SCHEMA);
    const row = await ctx.groups.change(
      await ctx.actor(req),
      ctx.directoryOf(req),
      req.params.id,
      { displayName: displayNameOf(body), externalId: externalIdOf(body), set: memberValues(body) },
      ifMatchVersion(req.headers['if-match']),
    );
    return reply
      .type(SCIM_CONTENT_TYPE)
      .header('etag', etagOf(row.version))
      .send(await answer(row, req));
  });

  scim.patch<IdParams>('/Groups/:id', async (req, reply) => {
    const ops = readPatchBody(req.body);
    const directoryId = ctx.directoryOf(req);
    const current = await ctx.groups.get(directoryId, req.params.id);
    const { plan, rest } = splitGroupPatch(ops);
    const before: JsonObject = {
      displayName: current.display_name,
      ...(current.external_id !== null ? { externalId: current.external_id } : {}),
    };
    const after = rest.length > 0 ? applyPatch(before, rest, 'Group') : before;
    if (keyOf(after, 'members') !== undefined)
      fail('scim_invalid_path', 'Members are changed with path "members".');
    const row = await ctx.groups.change(
      await ctx.actor(req),
      directoryId,
      req.params.id,
      {
        ...(after.displayName !== before.displayName ? { displayName: displayNameOf(after) } : {}),
        ...(after.externalId !== before.externalId ? { externalId: externalIdOf(after) } : {}),
        ...(plan.set ? { set: [...plan.set] } : { add: [...plan.add], remove: [...plan.remove] }),
      },
      ifMatchVersion(req.headers['if-match']),
    );
    // Okta and Entra take 204 for a group PATCH; answering the group would read every member.
    if (param(req, 'attributes') === undefined) return reply.code(204).send();
    return reply
      .type(SCIM_CONTENT_TYPE)
      .header('etag', etagOf(row.version))
      .send(await answer(row, req));
  });

  scim.delete<IdParams>('/Groups/:id', async (req, reply) => {
    await ctx.groups.delete(
      await ctx.actor(req),
      ctx.directoryOf(req),
      req.params.id,
      ifMatchVersion(req.headers['if-match']),
    );
    return reply.code(204).send();
  });
}
