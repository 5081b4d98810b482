/** People API v2: a person's linked external identities (SSO, directories), and unlinking one. */
import { Type } from 'typebox';
import type { App } from '../../../app.ts';
import { actorOf, requires, type Api } from '../http.ts';
import * as S from '../schemas.ts';

const Identity = Type.Object({
  provider: Type.String({
    description: '`idp:<id>` for an identity provider, `directory:<id>` for a directory.',
  }),
  provider_name: Type.Union([Type.String(), Type.Null()]),
  external_id: Type.String(),
  created_at: Type.String(),
});

export function identitiesRoutes(api: Api, app: App): void {
  const tags = ['Users'];
  api.get(
    '/users/:id/identities',
    {
      schema: {
        tags,
        summary: "A person's linked identities",
        params: S.IdParams,
        response: { 200: Type.Object({ data: Type.Array(Identity) }), default: S.ErrorBody },
      },
      preValidation: requires('identities:read'),
    },
    async (req) => ({ data: await app.sso.identitiesOf(req.params.id) }),
  );
  api.delete(
    '/users/:id/identities/:provider/:external_id',
    {
      schema: {
        tags,
        summary: 'Unlink an identity (the next SSO login matches again by username or email)',
        params: Type.Object({
          id: Type.Integer({ minimum: 1 }),
          provider: Type.String({ maxLength: 100 }),
          external_id: Type.String({ maxLength: 1000 }),
        }),
        response: { 204: Type.Null(), default: S.ErrorBody },
      },
      preValidation: requires('identities:manage'),
    },
    async (req, reply) => {
      await app.sso.unlinkIdentity(
        actorOf(req),
        req.params.id,
        req.params.provider,
        req.params.external_id,
      );
      return reply.code(204).send(null);
    },
  );
}
