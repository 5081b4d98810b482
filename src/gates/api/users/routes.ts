/** People API v2: /user and /users, on the core's people commands. */
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { fail } from '../../../core/errors.ts';
import { ownedFieldsOf } from '../../../core/person-checks.ts';
import { listedInDirectory, type Person } from '../../../core/person.ts';
import { can } from '../../../auth/permissions.ts';
import {
  actorOf,
  baseUrl,
  ifMatchVersion,
  pagination,
  principalOf,
  requires,
  setEtag,
  type Api,
} from '../http.ts';
import * as S from '../schemas.ts';
import { userView } from './view.ts';
import type { FastifyRequest } from 'fastify';

export function usersRoutes(api: Api, app: App): void {
  const { core, config } = app;
  const isAdmin = (req: FastifyRequest) => can(principalOf(req), 'people:read_all');
  const view = async (req: FastifyRequest, p: Person) =>
    userView(
      p,
      baseUrl(req, config.publicUrl),
      isAdmin(req),
      isAdmin(req) ? await ownedFieldsOf(app.store, p) : [],
    );
  /** Non-administrators do not see blocked accounts: those are reported as not found. */
  const visible = async (req: FastifyRequest, id: number) => {
    const p = await core.people.get(id);
    if (!listedInDirectory(p) && !isAdmin(req)) fail('not_found', `No person has id ${id}.`);
    return p;
  };
  const tags = ['Users'];
  const one = { 200: S.User, default: S.ErrorBody };

  api.get(
    '/user',
    {
      schema: { tags, summary: 'The caller', response: one },
      preValidation: requires('directory:read'),
    },
    async (req, reply) => {
      const p = await core.people.get(principalOf(req).personId);
      setEtag(reply, p.id, p.version);
      return view(req, p);
    },
  );

  api.put(
    '/user/password',
    {
      schema: {
        tags,
        summary: 'Change your own password',
        body: S.OwnPasswordBody,
        response: { 204: Type.Null(), default: S.ErrorBody },
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      await app.signIn.checkPassword(principal.username, req.body.current_password);
      await core.people.setPassword(
        { ...actorOf(req), personId: principal.personId },
        principal.personId,
        req.body.password,
      );
      await app.sessions.endAllFor(principal.personId, principal.sessionId);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/users',
    {
      schema: {
        tags,
        summary: 'List and search people',
        querystring: S.UsersQuery,
        response: { 200: S.page(S.User), default: S.ErrorBody },
      },
      preValidation: requires('directory:read'),
    },
    async (req) => {
      const q = req.query;
      const admin = isAdmin(req);
      const offset = q.offset ?? 0;
      const limit = q.limit ?? 20;
      const { data, total } = await core.people.list(
        {
          q: q.q,
          state: admin ? q.state : undefined,
          listedOnly: !admin,
          directory:
            q.directory === undefined
              ? undefined
              : q.directory === 'local'
                ? 'local'
                : Number(q.directory),
          origin: q.origin,
          department: q.department,
          extranet:
            q.extranet === undefined
              ? undefined
              : q.extranet === 'primary'
                ? 'primary'
                : Number(q.extranet),
        },
        { offset, limit, sort: q.sort, order: q.order },
      );
      const base = baseUrl(req, config.publicUrl);
      const owned = new Map<number, string[]>();
      if (admin)
        for (const p of data)
          if (p.directory_id !== null && !owned.has(p.directory_id))
            owned.set(p.directory_id, await ownedFieldsOf(app.store, p));
      return {
        data: data.map((p) =>
          userView(p, base, admin, p.directory_id === null ? [] : owned.get(p.directory_id)),
        ),
        pagination: pagination(req, config.publicUrl, offset, limit, total),
      };
    },
  );

  api.post(
    '/users',
    {
      schema: {
        tags,
        summary: 'Create a person',
        body: S.UserCreate,
        response: { 201: S.User, default: S.ErrorBody },
      },
      preValidation: requires('people:write'),
    },
    async (req, reply) => {
      const p = await core.people.create(actorOf(req), req.body);
      setEtag(reply, p.id, p.version);
      void reply.header(
        'location',
        `${baseUrl(req, config.publicUrl)}/api/people/v2/users/${p.id}`,
      );
      return reply.code(201).send(await view(req, p));
    },
  );

  api.get(
    '/users/:id',
    {
      schema: { tags, summary: 'One person', params: S.IdParams, response: one },
      preValidation: requires('directory:read'),
    },
    async (req, reply) => {
      const p = await visible(req, req.params.id);
      setEtag(reply, p.id, p.version);
      return view(req, p);
    },
  );

  for (const method of ['put', 'patch'] as const) {
    api[method](
      '/users/:id',
      {
        schema: {
          tags,
          summary:
            method === 'put'
              ? 'Update a person (fields given are changed, others kept)'
              : 'Update some fields of a person',
          params: S.IdParams,
          body: S.UserUpdate,
          response: one,
        },
        preValidation: requires('people:write'),
      },
      async (req, reply) => {
        const p = await core.people.update(actorOf(req), req.params.id, req.body, {
          ifVersion: ifMatchVersion(req, req.params.id),
        });
        setEtag(reply, p.id, p.version);
        return view(req, p);
      },
    );
  }

  api.delete(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Delete a local account (synced accounts are refused: block them)',
        params: S.IdParams,
        response: { 204: Type.Null(), default: S.ErrorBody },
      },
      preValidation: requires('people:write'),
    },
    async (req, reply) => {
      await core.people.delete(actorOf(req), req.params.id, {
        ifVersion: ifMatchVersion(req, req.params.id),
      });
      return reply.code(204).send(null);
    },
  );

  api.put(
    '/users/:id/password',
    {
      schema: {
        tags,
        summary: "Set a person's password",
        params: S.IdParams,
        body: S.PasswordBody,
        response: { 204: Type.Null(), default: S.ErrorBody },
      },
      preValidation: requires('people:write'),
    },
    async (req, reply) => {
      await core.people.setPassword(actorOf(req), req.params.id, req.body.password, {
        mustChange: req.body.must_change_password ?? false,
      });
      if (req.params.id !== principalOf(req).personId) await app.sessions.endAllFor(req.params.id);
      return reply.code(204).send(null);
    },
  );

  api.put(
    '/users/:id/manager',
    {
      schema: {
        tags,
        summary: "Set a person's manager (null to clear)",
        params: S.IdParams,
        body: S.ManagerBody,
        response: one,
      },
      preValidation: requires('people:write'),
    },
    async (req, reply) => {
      const v = ifMatchVersion(req, req.params.id);
      const p = await core.people.setManager(
        actorOf(req),
        req.params.id,
        req.body.manager_id,
        v === undefined ? {} : { ifVersion: v },
      );
      setEtag(reply, p.id, p.version);
      return view(req, p);
    },
  );

  api.get(
    '/users/:id/subordinates',
    {
      schema: {
        tags,
        summary: 'Direct reports',
        params: S.IdParams,
        response: { 200: Type.Object({ data: Type.Array(S.User) }), default: S.ErrorBody },
      },
      preValidation: requires('directory:read'),
    },
    async (req) => {
      await visible(req, req.params.id);
      const subs = (await core.people.subordinates(req.params.id)).filter(
        (s) => isAdmin(req) || listedInDirectory(s),
      );
      return { data: await Promise.all(subs.map((s) => view(req, s))) };
    },
  );

  api.put(
    '/users/:id/subordinates',
    {
      schema: {
        tags,
        summary: 'Set exactly the direct reports',
        params: S.IdParams,
        body: S.IdsBody,
        response: { 200: Type.Object({ ids: Type.Array(Type.Integer()) }), default: S.ErrorBody },
      },
      preValidation: requires('people:write'),
    },
    async (req) => {
      return { ids: await core.people.setSubordinates(actorOf(req), req.params.id, req.body.ids) };
    },
  );

  for (const [path, service] of [
    ['groups', core.groups],
    ['roles', core.roles],
  ] as const) {
    api.get(
      `/users/:id/${path}`,
      {
        schema: {
          tags,
          summary: `The ${path} of a person`,
          params: S.IdParams,
          response: { 200: Type.Object({ data: Type.Array(S.Collection) }), default: S.ErrorBody },
        },
        preValidation: requires('directory:read'),
      },
      async (req) => {
        await visible(req, req.params.id);
        return { data: await service.ofPerson(req.params.id) };
      },
    );
  }

  for (const action of ['block', 'unblock', 'unfreeze'] as const) {
    api.post(
      `/users/:id/${action}`,
      {
        schema: {
          tags,
          summary: {
            block: 'Block an account (ends its sessions at once)',
            unblock: 'Unblock an account',
            unfreeze: 'Lift a sign-in lockout',
          }[action],
          params: S.IdParams,
          body: Type.Optional(S.BlockBody),
          response: one,
        },
        preValidation: [
          requires('people:write'),
          // The body is optional: a POST with none is an empty one (not "body must be object").
          (req, _reply, done) => {
            req.body ??= {};
            done();
          },
        ],
      },
      async (req, reply) => {
        const actor = actorOf(req);
        const id = req.params.id;
        if (action === 'block' && id === actor.personId)
          fail('conflict', 'You cannot block your own account.');
        const ifVersion = ifMatchVersion(req, id);
        const p =
          action === 'block'
            ? await core.people.block(actor, id, req.body?.reason ?? null, { ifVersion })
            : action === 'unblock'
              ? await core.people.unblock(actor, id, { ifVersion })
              : await core.people.unfreeze(actor, id);
        setEtag(reply, p.id, p.version);
        return view(req, p);
      },
    );
  }

  api.get(
    '/users/:id/grants',
    {
      schema: {
        tags,
        summary: 'Administrator grants of a person',
        params: S.IdParams,
        response: { 200: S.Grants, default: S.ErrorBody },
      },
      preValidation: requires('people:read_all'),
    },
    async (req) => {
      await core.people.get(req.params.id);
      return { grants: await core.grants.list(req.params.id) };
    },
  );

  api.put(
    '/users/:id/grants',
    {
      schema: {
        tags,
        summary: 'Grant or remove administration (sysadmin only)',
        params: S.IdParams,
        body: S.GrantsUpdate,
        response: { 200: S.Grants, default: S.ErrorBody },
      },
      preValidation: requires('grants:manage'),
    },
    async (req) => ({ grants: await core.grants.setMany(actorOf(req), req.params.id, req.body) }),
  );
}
