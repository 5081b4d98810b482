/** Console sign-in and sign-out: a session cookie (HttpOnly, SameSite=Strict) and a CSRF token. */
import { Type } from 'typebox';
import type { App } from '../../app.ts';
import { fail } from '../../core/errors.ts';
import { SESSION_COOKIE } from '../api/authenticate.ts';
import { principalOf, type Api } from '../api/http.ts';
import { ErrorBody } from '../api/schemas.ts';

const Session = Type.Object({
  user: Type.Object({
    id: Type.Integer(),
    username: Type.String(),
    firstname: Type.String(),
    surname: Type.String(),
  }),
  grants: Type.Array(Type.String()),
  csrf_token: Type.String({
    description: 'Send it as X-CSRF-Token on every write made with the session cookie.',
  }),
  must_change_password: Type.Boolean(),
});

export function sessionRoutes(api: Api, app: App): void {
  const tags = ['Session'];
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: app.config.cookieSecure,
  };

  api.post(
    '/session',
    {
      schema: {
        tags,
        summary: 'Sign in with username and password',
        body: Type.Object(
          { username: Type.String({ maxLength: 200 }), password: Type.String({ maxLength: 1024 }) },
          { additionalProperties: false },
        ),
        response: { 200: Session, default: ErrorBody },
      },
      config: { rateLimit: { max: app.config.signInPerMinute, timeWindow: 60_000 } },
    },
    async (req, reply) => {
      const result = await app.signIn.signIn(
        req.body.username,
        req.body.password,
        { gate: 'console', requestId: req.id, ip: req.ip },
        (personId) =>
          app.sessions.newSession(personId, { ip: req.ip, userAgent: req.headers['user-agent'] }),
      );
      const { token, csrfToken } = result.made;
      void reply.setCookie(SESSION_COOKIE, token, {
        ...cookieOptions,
        maxAge: app.config.sessionHours * 3600,
      });
      // The person and grants as the sign-in read them (one query with the password): two
      // more reads here were a tenth of a sign-in's main-thread time (sign-in-repo.ts).
      return {
        user: {
          id: result.personId,
          username: result.username,
          firstname: result.firstname,
          surname: result.surname,
        },
        grants: result.grants,
        csrf_token: csrfToken,
        must_change_password: result.mustChangePassword,
      };
    },
  );

  api.get(
    '/session',
    {
      schema: {
        tags,
        summary: 'The current session',
        response: { 200: Session, default: ErrorBody },
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (p.via !== 'session') fail('unauthenticated', 'This endpoint is for console sessions.');
      const person = await app.core.people.get(p.personId);
      return {
        user: {
          id: person.id,
          username: person.username,
          firstname: person.firstname,
          surname: person.surname,
        },
        grants: [...p.grants],
        csrf_token: p.csrfToken ?? '',
        must_change_password: p.mustChangePassword,
      };
    },
  );

  api.delete(
    '/session',
    { schema: { tags, summary: 'Sign out', response: { 204: Type.Null(), default: ErrorBody } } },
    async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      if (token) await app.sessions.end(token);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
}
