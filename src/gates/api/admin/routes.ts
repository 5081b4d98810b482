/** People API v2 beyond the original product: profile fields, API keys, audit log, password policy. */
import { Readable } from 'node:stream';
import { Type, type Static } from 'typebox';
import { stringify } from 'csv-stringify/sync';
import type { App } from '../../../app.ts';
import { fail } from '../../../core/errors.ts';
import { can } from '../../../auth/permissions.ts';
import { actorOf, pagination, principalOf, requires, type Api } from '../http.ts';
import * as S from '../schemas.ts';
import { spreadsheetSafe } from '../../../core/spreadsheet.ts';

const AUDIT_COLUMNS = [
  'id',
  'at',
  'actor_id',
  'actor',
  'gate',
  'action',
  'target_type',
  'target_id',
  'target',
  'outcome',
  'changes',
  'request_id',
  'ip',
];

export function adminRoutes(api: Api, app: App): void {
  const { core } = app;

  // Profile field definitions
  const pf = ['Profile fields'];
  api.get(
    '/profile-fields',
    {
      schema: {
        tags: pf,
        summary: 'Custom profile field definitions',
        response: { 200: Type.Object({ data: Type.Array(S.ProfileField) }), default: S.ErrorBody },
      },
      preValidation: requires('directory:read'),
    },
    async () => ({ data: await core.profileFields.list() }),
  );
  api.post(
    '/profile-fields',
    {
      schema: {
        tags: pf,
        summary: 'Define a profile field',
        body: S.ProfileFieldCreate,
        response: { 201: S.ProfileField, default: S.ErrorBody },
      },
      preValidation: requires('people:write'),
    },
    async (req, reply) =>
      reply.code(201).send(await core.profileFields.create(actorOf(req), req.body)),
  );
  api.get(
    '/profile-fields/:id',
    {
      schema: {
        tags: pf,
        summary: 'One definition',
        params: S.IdParams,
        response: { 200: S.ProfileField, default: S.ErrorBody },
      },
      preValidation: requires('directory:read'),
    },
    async (req) => core.profileFields.get(req.params.id),
  );
  api.patch(
    '/profile-fields/:id',
    {
      schema: {
        tags: pf,
        summary: 'Change label, options or required',
        params: S.IdParams,
        body: S.ProfileFieldUpdate,
        response: { 200: S.ProfileField, default: S.ErrorBody },
      },
      preValidation: requires('people:write'),
    },
    async (req) => core.profileFields.update(actorOf(req), req.params.id, req.body),
  );
  api.delete(
    '/profile-fields/:id',
    {
      schema: {
        tags: pf,
        summary: 'Delete a definition',
        params: S.IdParams,
        response: { 204: Type.Null(), default: S.ErrorBody },
      },
      preValidation: requires('people:write'),
    },
    async (req, reply) => {
      await core.profileFields.delete(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  // API keys: your own, or anyone's for a sysadmin.
  const ak = ['API keys'];
  api.get(
    '/api-keys',
    {
      schema: {
        tags: ak,
        summary: 'Your API keys (all keys for a sysadmin with all=true)',
        querystring: Type.Object(
          { ...S.PageQuery, all: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: S.page(S.ApiKey), default: S.ErrorBody },
      },
      preValidation: requires('api_keys:own'),
    },
    async (req) => {
      const p = principalOf(req);
      const all = req.query.all === true && can(p, 'api_keys:any');
      const offset = req.query.offset ?? 0;
      const limit = req.query.limit ?? 20;
      const { data, total } = await app.apiKeys.list(all ? null : p.personId, offset, limit);
      return { data, pagination: pagination(req, app.config.publicUrl, offset, limit, total) };
    },
  );
  api.post(
    '/api-keys',
    {
      schema: {
        tags: ak,
        summary: 'Make an API key (the key is shown once)',
        body: S.ApiKeyCreate,
        response: { 201: S.ApiKeyCreated, default: S.ErrorBody },
      },
      preValidation: requires('api_keys:own'),
    },
    async (req, reply) => {
      const p = principalOf(req);
      const owner = req.body.owner_id ?? p.personId;
      if (owner !== p.personId && !can(p, 'api_keys:any'))
        fail('forbidden', 'Only a sysadmin can make API keys for someone else.');
      const { key, record } = await app.apiKeys.create(
        actorOf(req),
        owner,
        req.body.name,
        req.body.expires_at ?? null,
      );
      void reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ...record, key });
    },
  );
  api.delete(
    '/api-keys/:id',
    {
      schema: {
        tags: ak,
        summary: 'Revoke an API key',
        params: S.IdParams,
        response: { 200: S.ApiKey, default: S.ErrorBody },
      },
      preValidation: requires('api_keys:own'),
    },
    async (req) => {
      const p = principalOf(req);
      const key = await app.apiKeys.get(req.params.id);
      if (key.owner_id !== p.personId && !can(p, 'api_keys:any'))
        fail('not_found', `No API key has id ${req.params.id}.`);
      return app.apiKeys.revoke(actorOf(req), req.params.id);
    },
  );

  // Audit log
  const auditFilter = (q: Static<typeof S.AuditQuery>) => ({
    targetType: q.target_type,
    targetId: q.target_id,
    actorId: q.actor_id,
    gate: q.gate,
    action: q.action,
    outcome: q.outcome,
    from: q.from,
    to: q.to,
  });
  api.get(
    '/audit',
    {
      schema: {
        tags: ['Audit'],
        summary: 'Audit events, newest first',
        querystring: S.AuditQuery,
        response: { 200: S.page(S.AuditEvent), default: S.ErrorBody },
      },
      preValidation: requires('audit:read'),
    },
    async (req) => {
      const offset = req.query.offset ?? 0;
      const limit = req.query.limit ?? 20;
      const { data, total } = await core.audit.list(auditFilter(req.query), offset, limit);
      return { data, pagination: pagination(req, app.config.publicUrl, offset, limit, total) };
    },
  );
  api.get(
    '/audit/export',
    {
      schema: {
        tags: ['Audit'],
        summary: 'Every matching audit event as CSV (same filters as /audit)',
        querystring: S.AuditQuery,
        produces: ['text/csv'],
        response: {
          200: Type.String({ description: 'CSV, UTF-8 with BOM' }),
          default: S.ErrorBody,
        },
      },
      preValidation: requires('audit:read'),
    },
    async (req, reply) => {
      const filter = auditFilter(req.query);
      async function* csv(): AsyncGenerator<string> {
        yield '\ufeff' + stringify([AUDIT_COLUMNS]);
        for await (const e of core.audit.all(filter)) {
          const cells = [
            e.id,
            e.at,
            e.actor_id ?? '',
            e.actor,
            e.gate,
            e.action,
            e.target_type,
            e.target_id ?? '',
            e.target ?? '',
            e.outcome,
            e.changes ? JSON.stringify(e.changes) : '',
            e.request_id ?? '',
            e.ip ?? '',
          ];
          yield stringify([cells.map((v) => spreadsheetSafe(String(v)))]);
        }
      }
      void reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="audit.csv"');
      await reply.send(Readable.from(csv()) as never);
    },
  );

  // Site settings
  api.get(
    '/settings/password-policy',
    {
      schema: {
        tags: ['Settings'],
        summary: 'The password policy',
        response: { 200: S.PasswordPolicy, default: S.ErrorBody },
      },
      preValidation: requires('settings:read'),
    },
    async () => core.settings.passwordPolicy(),
  );
  api.patch(
    '/settings/password-policy',
    {
      schema: {
        tags: ['Settings'],
        summary: 'Change the password policy (sysadmin)',
        body: S.PasswordPolicyUpdate,
        response: { 200: S.PasswordPolicy, default: S.ErrorBody },
      },
      preValidation: requires('settings:write'),
    },
    async (req) => core.settings.setPasswordPolicy(actorOf(req), req.body),
  );
}
