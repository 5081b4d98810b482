/**
 * People API v2: user directories (LDAP / Active Directory; SCIM connections are created here
 * too) — CRUD for sysadmins, a connection test, sync runs (dry run, safety stop, async) and
 * their reports. People administrators may run syncs and read their reports.
 */
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { fail } from '../../../core/errors.ts';
import type { DirectoryInput, DirectoryPatch } from '../../../core/directories.ts';
import type { LdapDirectorySettings } from '../../../core/sync/directory-config.ts';
import { LDAP_PRESETS } from '../../ldap/presets.ts';
import { actorOf, baseUrl, requires, type Api } from '../http.ts';
import * as S from '../schemas.ts';
import {
  DirectoryCreate,
  DirectoryPatch as PatchSchema,
  DirectoryView,
  RunItem,
  RunView,
  SyncBody,
  TestResult,
  type DirectoryCreateBody,
} from './schemas.ts';
import { directoryView, runView } from './view.ts';
import { createScimToken } from '../../../core/scim/tokens.ts';
import { DEFAULT_SCIM_MAPPING } from '../../../core/scim/mapping.ts';
import { startSync, testDirectory } from '../../ldap/sync-gate.ts';

const tags = ['User directories'];
const RunParams = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  run_id: Type.Integer({ minimum: 1 }),
});

const LDAP_KEYS = [
  'url',
  'start_tls',
  'ca_certificate',
  'bind_dn',
  'base_dn',
  'user_filter',
  'id_attribute',
  'username_attribute',
  'active_directory',
  'mapping',
  'sync_group_dn',
  'group_base_dn',
  'group_filter',
] as const;

/** The LDAP settings of a create: the preset's defaults, then what the body gives. */
function ldapSettingsOf(body: DirectoryCreateBody): LdapDirectorySettings {
  const p = body.preset ? LDAP_PRESETS[body.preset] : undefined;
  const b = body as Partial<LdapDirectorySettings>;
  return {
    url: b.url ?? '',
    start_tls: b.start_tls ?? false,
    ca_certificate: b.ca_certificate ?? null,
    bind_dn: b.bind_dn ?? '',
    base_dn: b.base_dn ?? '',
    user_filter: b.user_filter ?? p?.userFilter ?? '',
    id_attribute: b.id_attribute ?? p?.idAttribute ?? '',
    username_attribute: b.username_attribute ?? p?.usernameAttribute ?? '',
    active_directory: b.active_directory ?? p?.activeDirectory ?? false,
    mapping: b.mapping ?? { ...(p?.mapping ?? {}) },
    sync_group_dn: b.sync_group_dn ?? null,
    group_base_dn: b.group_base_dn ?? null,
    group_filter: b.group_filter ?? (b.group_base_dn ? (p?.groupFilter ?? null) : null),
  };
}

export function directoryRoutes(api: Api, app: App): void {
  const base = (req: Parameters<typeof baseUrl>[0]) =>
    `${baseUrl(req, app.config.publicUrl)}${req.url.split('/directories')[0]}`;

  api.get(
    '/directories',
    {
      schema: {
        tags,
        summary: 'User directories',
        response: { 200: Type.Object({ data: Type.Array(DirectoryView) }), default: S.ErrorBody },
      },
      preValidation: requires('directories:sync'),
    },
    async () => ({
      data: await Promise.all(
        (await app.core.directories.records()).map((d) => directoryView(app, d)),
      ),
    }),
  );

  api.post(
    '/directories',
    {
      schema: {
        tags,
        summary: 'Add a user directory',
        description:
          'An LDAP / Active Directory connection (`preset` fills the defaults), or a SCIM connection for Okta or Entra ID.',
        body: DirectoryCreate,
        response: { 201: DirectoryView, default: S.ErrorBody },
      },
      preValidation: requires('directories:manage'),
    },
    async (req, reply) => {
      const body = req.body;
      const common = {
        name: body.name,
        adopt_local_accounts: body.adopt_local_accounts ?? true,
        max_block_percent: body.max_block_percent ?? 10,
        schedule: body.schedule ?? null,
      };
      let input: DirectoryInput;
      if (body.type === 'ldap')
        input = {
          ...common,
          type: 'ldap',
          ldap: ldapSettingsOf(body),
          bind_password: body.bind_password,
        };
      else {
        const ldapOnly = LDAP_KEYS.filter((k) => k !== 'mapping' && body[k] !== undefined);
        if (ldapOnly.length > 0 || body.preset || body.bind_password !== undefined)
          fail(
            'directory_type_mismatch',
            `A SCIM directory has no LDAP settings: remove ${[...ldapOnly, ...(body.preset ? ['preset'] : []), ...(body.bind_password !== undefined ? ['bind_password'] : [])].join(', ')}.`,
          );
        input = {
          ...common,
          type: 'scim',
          scim: { mapping: body.mapping ?? { ...DEFAULT_SCIM_MAPPING } },
        };
      }
      const d = await app.core.directories.createDirectory(actorOf(req), input);
      void reply.header('location', `${base(req)}/directories/${d.id}`);
      // A SCIM directory's URL and first token, shown this once (src/core/scim/tokens.ts).
      const scim =
        d.type === 'scim'
          ? await createScimToken(app.store.db, d.id, baseUrl(req, app.config.publicUrl))
          : {};
      return reply.code(201).send({ ...(await directoryView(app, d)), ...scim });
    },
  );

  api.get(
    '/directories/:id',
    {
      schema: {
        tags,
        summary: 'A user directory',
        params: S.IdParams,
        response: { 200: DirectoryView, default: S.ErrorBody },
      },
      preValidation: requires('directories:sync'),
    },
    async (req) => directoryView(app, await app.core.directories.get(req.params.id)),
  );

  api.patch(
    '/directories/:id',
    {
      schema: {
        tags,
        summary: 'Change a user directory',
        description: 'Without `bind_password`, the stored one is kept; an empty string removes it.',
        params: S.IdParams,
        body: PatchSchema,
        response: { 200: DirectoryView, default: S.ErrorBody },
      },
      preValidation: requires('directories:manage'),
    },
    async (req) => {
      const b = req.body;
      const patch: DirectoryPatch = {};
      if (b.name !== undefined) patch.name = b.name;
      if (b.bind_password !== undefined) patch.bind_password = b.bind_password;
      if (b.adopt_local_accounts !== undefined) patch.adopt_local_accounts = b.adopt_local_accounts;
      if (b.max_block_percent !== undefined) patch.max_block_percent = b.max_block_percent;
      if (b.schedule !== undefined) patch.schedule = b.schedule;
      const current = await app.core.directories.get(req.params.id);
      const given = Object.fromEntries(
        LDAP_KEYS.filter((k) => b[k] !== undefined).map((k) => [k, b[k]]),
      );
      if (current.type === 'ldap') patch.ldap = given;
      else {
        const { mapping, ...rest } = given;
        if (Object.keys(rest).length > 0)
          fail(
            'directory_type_mismatch',
            `A SCIM directory has no LDAP settings: remove ${Object.keys(rest).join(', ')}.`,
          );
        if (mapping !== undefined) patch.scim = { mapping: mapping as Record<string, string> };
      }
      return directoryView(
        app,
        await app.core.directories.updateDirectory(actorOf(req), req.params.id, patch),
      );
    },
  );

  api.delete(
    '/directories/:id',
    {
      schema: {
        tags,
        summary: 'Delete a user directory',
        description:
          'Refused (409 directory_owns_accounts) while it owns accounts: release them first.',
        params: S.IdParams,
        response: { 204: Type.Null(), default: S.ErrorBody },
      },
      preValidation: requires('directories:manage'),
    },
    async (req, reply) => {
      await app.core.directories.deleteDirectory(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/directories/:id/release',
    {
      schema: {
        tags,
        summary: 'Turn the directory’s accounts into local accounts',
        description:
          'For retiring a directory: its accounts keep their id, fields, groups and history, and become local; their password must be set again (the directory kept it). Accounts the directory had blocked stay blocked, as an administrator’s block.',
        params: S.IdParams,
        response: { 200: Type.Object({ released: Type.Integer() }), default: S.ErrorBody },
      },
      preValidation: requires('directories:manage'),
    },
    async (req) => app.core.directories.release(actorOf(req), req.params.id),
  );

  api.post(
    '/directories/:id/test',
    {
      schema: {
        tags,
        summary:
          'Test the connection: bind, one page of the search, the first entries as Gatehouse would map them',
        params: S.IdParams,
        response: { 200: TestResult, default: S.ErrorBody },
      },
      preValidation: requires('directories:sync'),
    },
    async (req) => testDirectory(app, req.params.id),
  );

  api.post(
    '/directories/:id/sync',
    {
      schema: {
        tags,
        summary: 'Run a sync now (or a dry run)',
        description:
          'Answers the run’s report. With ?async=true, answers 202 with the run’s URL at once; poll it. A run that would block more than max_block_percent stops (status stopped) unless confirm_mass_block is true.',
        params: S.IdParams,
        querystring: Type.Object(
          { async: Type.Optional(Type.Boolean({ default: false })) },
          { additionalProperties: false },
        ),
        body: Type.Optional(SyncBody),
        response: { 200: RunView, 202: RunView, default: S.ErrorBody },
      },
      preValidation: requires('directories:sync'),
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const opts = {
        dryRun: req.body?.dry_run ?? false,
        confirmMassBlock: req.body?.confirm_mass_block ?? false,
        mode: req.body?.mode ?? 'full',
      };
      const { started, done } = await startSync(app, req.params.id, actor, opts, 'manual');
      if (req.query.async) {
        req.server.inFlight
          .track(done)
          .catch((err: unknown) => req.log.error({ err }, 'directory sync failed'));
        const runId = await started;
        void reply.header('location', `${base(req)}/directories/${req.params.id}/runs/${runId}`);
        return reply
          .code(202)
          .send(runView(base(req), await app.core.syncRuns.run(req.params.id, runId)));
      }
      const report = await done;
      void reply.header('location', `${base(req)}/directories/${req.params.id}/runs/${report.id}`);
      return runView(base(req), report);
    },
  );

  api.get(
    '/directories/:id/runs',
    {
      schema: {
        tags,
        summary: 'Sync runs, newest first',
        params: S.IdParams,
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
            before: Type.Optional(Type.Integer({ minimum: 1 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            data: Type.Array(RunView),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
          default: S.ErrorBody,
        },
      },
      preValidation: requires('directories:sync'),
    },
    async (req) => {
      await app.core.directories.get(req.params.id);
      const limit = req.query.limit ?? 20;
      const runs = await app.core.syncRuns.runs(req.params.id, limit, req.query.before);
      const last = runs.at(-1);
      return {
        data: runs.map((r) => runView(base(req), r)),
        next:
          runs.length === limit && last
            ? `${base(req)}/directories/${req.params.id}/runs?limit=${limit}&before=${last.id}`
            : null,
      };
    },
  );

  api.get(
    '/directories/:id/runs/:run_id',
    {
      schema: {
        tags,
        summary:
          'A sync run’s report with its per-entry items (changed, blocked and refused entries), paged',
        params: RunParams,
        querystring: Type.Object(
          {
            after: Type.Optional(
              Type.Integer({ minimum: 0, default: 0, description: 'Items after this seq.' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            action: Type.Optional(
              Type.String({
                maxLength: 20,
                description:
                  'Only items with this action (created, error, group_created, …); "groups": every item of the group sync.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Intersect([
            RunView,
            Type.Object({
              items: Type.Object({
                data: Type.Array(RunItem),
                next: Type.Union([Type.String(), Type.Null()]),
              }),
            }),
          ]),
          default: S.ErrorBody,
        },
      },
      preValidation: requires('directories:sync'),
    },
    async (req) => {
      const run = await app.core.syncRuns.run(req.params.id, req.params.run_id);
      const limit = req.query.limit ?? 100;
      const items = await app.core.syncRuns.items(
        run.id,
        req.query.after ?? 0,
        limit,
        req.query.action,
      );
      const last = items.at(-1);
      const url = `${base(req)}/directories/${run.directory_id}/runs/${run.id}`;
      return {
        ...runView(base(req), run),
        items: {
          data: items,
          next:
            items.length === limit && last
              ? `${url}?limit=${limit}&after=${last.seq}${req.query.action ? `&action=${encodeURIComponent(req.query.action)}` : ''}`
              : null,
        },
      };
    },
  );
}
