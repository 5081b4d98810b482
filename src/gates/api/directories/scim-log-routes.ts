/**
 * People API for SCIM directories: the recent SCIM requests (GET /directories/{id}/scim-log,
 * for the console's "why does Okta report a failure"), and the token (rotate, revoke, its
 * status). A rotated token's predecessor keeps working for `grace_minutes` (default 60).
 * All of it is the connection's settings, so sysadmins' (directories:manage) alone: the log's
 * paths carry the identity provider's filters (userNames, emails), and the token status
 * which tokens are live; People administrators run syncs, they do not set up connections.
 */
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { ScimTokens, DEFAULT_GRACE_MINUTES } from '../../../core/scim/tokens.ts';
import { fail } from '../../../core/errors.ts';
import { listScimRequests } from '../../../store/scim-repo.ts';
import { requestLogOf } from '../../scim/request-log.ts';
import { actorOf, baseUrl, requires, type Api } from '../http.ts';
import * as S from '../schemas.ts';

const tags = ['User directories'];

const LogEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  method: Type.String(),
  path: Type.String(),
  status: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  request_id: Type.Union([Type.String(), Type.Null()]),
});

const IssuedToken = Type.Object({
  scim_url: Type.String({ description: 'The SCIM base URL to give the identity provider.' }),
  token: Type.String({ description: 'The bearer token; shown this once only.' }),
  previous_expires_at: Type.Union([Type.String(), Type.Null()], {
    description: 'When the token it replaces stops working (null: there was none).',
  }),
});

const TokenStatus = Type.Object({
  scim_url: Type.String(),
  tokens: Type.Array(
    Type.Object({
      prefix: Type.String(),
      created_at: Type.String(),
      expires_at: Type.Union([Type.String(), Type.Null()]),
      last_used_at: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

export function scimDirectoryRoutes(api: Api, app: App): void {
  const tokens = new ScimTokens(app.store);
  const scimBase = (req: Parameters<typeof baseUrl>[0]) => `${baseUrl(req, app.config.publicUrl)}`;

  const scimDirectory = async (id: number) => {
    const d = await app.core.directories.get(id);
    if (d.type !== 'scim') fail('directory_type_mismatch', 'This is not a SCIM directory.');
    return d;
  };

  api.get(
    '/directories/:id/scim-log',
    {
      schema: {
        tags,
        summary: 'Recent SCIM requests of a SCIM directory, newest first',
        params: S.IdParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          before: Type.Optional(
            Type.Integer({ minimum: 1, description: 'Entries older than this id.' }),
          ),
        }),
        response: { 200: Type.Object({ data: Type.Array(LogEntry) }), default: S.ErrorBody },
      },
      preValidation: requires('directories:manage'),
    },
    async (req) => {
      await scimDirectory(req.params.id);
      await requestLogOf(app.store).flush();
      const rows = await listScimRequests(
        app.store.db,
        req.params.id,
        req.query.limit ?? 100,
        req.query.before,
      );
      return { data: rows };
    },
  );

  api.get(
    '/directories/:id/token',
    {
      schema: {
        tags,
        summary: 'The SCIM URL and the live tokens (never their secrets) of a SCIM directory',
        params: S.IdParams,
        response: { 200: TokenStatus, default: S.ErrorBody },
      },
      preValidation: requires('directories:manage'),
    },
    async (req) => {
      await scimDirectory(req.params.id);
      return { scim_url: `${scimBase(req)}/scim/v2`, tokens: await tokens.status(req.params.id) };
    },
  );

  api.post(
    '/directories/:id/token',
    {
      schema: {
        tags,
        summary: 'Make a new SCIM token (shown once); the old one works for a grace period',
        params: S.IdParams,
        body: Type.Optional(
          Type.Object({
            grace_minutes: Type.Optional(
              Type.Integer({
                minimum: 0,
                maximum: 1440,
                default: DEFAULT_GRACE_MINUTES,
                description: 'How long the current token keeps working (0: it stops now).',
              }),
            ),
          }),
        ),
        response: { 201: IssuedToken, default: S.ErrorBody },
      },
      preValidation: requires('directories:manage'),
    },
    async (req, reply) => {
      await scimDirectory(req.params.id);
      const issued = await tokens.rotate(
        actorOf(req),
        req.params.id,
        scimBase(req),
        req.body?.grace_minutes ?? DEFAULT_GRACE_MINUTES,
      );
      return reply.code(201).send(issued);
    },
  );

  api.delete(
    '/directories/:id/token',
    {
      schema: {
        tags,
        summary: 'Revoke every SCIM token of the directory at once',
        params: S.IdParams,
        response: { 204: Type.Null(), default: S.ErrorBody },
      },
      preValidation: requires('directories:manage'),
    },
    async (req, reply) => {
      await scimDirectory(req.params.id);
      await tokens.revoke(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
}
