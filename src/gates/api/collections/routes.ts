/** People API v2: /groups, /roles and /extranets, with CRUD and membership. */
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import type { CollectionService } from '../../../core/collections.ts';
import { can } from '../../../auth/permissions.ts';
import { actorOf, pagination, principalOf, requires, type Api } from '../http.ts';
import * as S from '../schemas.ts';

export function collectionRoutes(api: Api, app: App): void {
  const services: [string, string, CollectionService][] = [
    ['groups', 'Groups', app.core.groups],
    ['roles', 'Roles', app.core.roles],
    ['extranets', 'Extranet areas', app.core.extranets],
  ];
  for (const [path, tag, service] of services) {
    const tags = [tag];
    const one = { 200: S.Collection, default: S.ErrorBody };
    api.get(
      `/${path}`,
      {
        schema: {
          tags,
          summary: `List ${tag.toLowerCase()}`,
          querystring: S.ListQuery,
          response: { 200: S.page(S.Collection), default: S.ErrorBody },
        },
        preValidation: requires('directory:read'),
      },
      async (req) => {
        const offset = req.query.offset ?? 0;
        const limit = req.query.limit ?? 20;
        const { data, total } = await service.list(offset, limit, req.query.q);
        return { data, pagination: pagination(req, app.config.publicUrl, offset, limit, total) };
      },
    );
    api.post(
      `/${path}`,
      {
        schema: {
          tags,
          summary: 'Create',
          body: S.CollectionCreate,
          response: { 201: S.Collection, default: S.ErrorBody },
        },
        preValidation: requires('people:write'),
      },
      async (req, reply) => {
        return reply.code(201).send(await service.create(actorOf(req), req.body));
      },
    );
    api.get(
      `/${path}/:id`,
      {
        schema: { tags, summary: 'One', params: S.IdParams, response: one },
        preValidation: requires('directory:read'),
      },
      async (req) => service.get(req.params.id),
    );
    for (const method of ['put', 'patch'] as const) {
      api[method](
        `/${path}/:id`,
        {
          schema: {
            tags,
            summary: 'Update (fields given are changed)',
            params: S.IdParams,
            body: S.CollectionUpdate,
            response: one,
          },
          preValidation: requires('people:write'),
        },
        async (req) => service.update(actorOf(req), req.params.id, req.body),
      );
    }
    api.delete(
      `/${path}/:id`,
      {
        schema: {
          tags,
          summary: 'Delete',
          params: S.IdParams,
          response: { 204: Type.Null(), default: S.ErrorBody },
        },
        preValidation: requires('people:write'),
      },
      async (req, reply) => {
        await service.delete(actorOf(req), req.params.id);
        return reply.code(204).send(null);
      },
    );
    api.get(
      `/${path}/:id/users`,
      {
        schema: {
          tags,
          summary: 'Member ids',
          params: S.IdParams,
          response: { 200: Type.Object({ ids: Type.Array(Type.Integer()) }), default: S.ErrorBody },
        },
        preValidation: requires('directory:read'),
      },
      async (req) => ({
        ids: await service.members(req.params.id, !can(principalOf(req), 'people:read_all')),
      }),
    );
    api.put(
      `/${path}/:id/users`,
      {
        schema: {
          tags,
          summary: 'Set exactly the members',
          params: S.IdParams,
          body: S.IdsBody,
          response: { 200: Type.Object({ ids: Type.Array(Type.Integer()) }), default: S.ErrorBody },
        },
        preValidation: requires('people:write'),
      },
      async (req) => ({ ids: await service.setMembers(actorOf(req), req.params.id, req.body.ids) }),
    );
    for (const member of [true, false]) {
      api.route({
        method: member ? 'PUT' : 'DELETE',
        url: `/${path}/:id/users/:person_id`,
        schema: {
          tags,
          summary: member
            ? 'Add one member (the others stay; adding a member again changes nothing)'
            : 'Remove one member (the others stay; removing a non-member changes nothing)',
          params: S.MemberParams,
          response: { 204: Type.Null(), default: S.ErrorBody },
        },
        preValidation: requires('people:write'),
        handler: async (req, reply) => {
          await service.setMember(actorOf(req), req.params.id, req.params.person_id, member);
          return reply.code(204).send(null);
        },
      });
    }
  }
}
