/**
 * The SSO gate's HTTP routes: GET /sso/{id}/login dispatches to the provider's protocol,
 * GET /sso/{id}/callback is OIDC's, and the SAML routes (metadata, ACS) are the SAML gate's.
 * All are rate limited per client address by GATEHOUSE_SSO_RATE_PER_MINUTE.
 */
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { isOidc, isSaml } from '../../core/sso/types.ts';
import { Type } from 'typebox';
import { SESSION_COOKIE } from '../api/authenticate.ts';
import { finishLogin, SSO_PROVIDER_COOKIE } from './finish.ts';
import { safeReturnTo, ssoPaths } from './urls.ts';
import { oidcCallbackRoute, startOidcLogin } from './oidc/routes.ts';
import { samlRoutes, startSamlLogin } from './saml/routes.ts';
import { samlDeps } from './saml/deps.ts';
import { freshProvider } from './saml/refresh.ts';

export function ssoRoutes(server: FastifyInstance, app: App): void {
  const rateLimit = { max: app.config.ssoPerMinute, timeWindow: 60_000 };
  const deps = samlDeps(app);

  server.get<{ Params: { id: string }; Querystring: { return_to?: string } }>(
    ssoPaths.login(':id'),
    { schema: { hide: true }, config: { rateLimit } },
    async (req, reply) => {
      const id = Number(req.params.id);
      const provider =
        Number.isSafeInteger(id) && id > 0 ? await app.sso.providers.find(id) : undefined;
      if (!provider || !provider.enabled)
        return finishLogin(
          app,
          req,
          reply,
          {
            outcome: 'refused',
            errorType: provider ? 'sso_provider_disabled' : 'sso_login_invalid',
            reason: provider
              ? `Sign-in through ${provider.name} is turned off.`
              : 'There is no such identity provider.',
          },
          null,
        );
      const returnTo = safeReturnTo(req.query.return_to);
      if (isOidc(provider)) return startOidcLogin(app, req, reply, provider, returnTo);
      if (isSaml(provider))
        return startSamlLogin(app, deps, req, reply, await freshProvider(app, provider), returnTo);
      return reply.code(404).send();
    },
  );

  server.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    ssoPaths.callback(':id'),
    { schema: { hide: true }, config: { rateLimit } },
    (req, reply) => oidcCallbackRoute(app, req, reply),
  );

  // For the sign-in page (no session yet): the buttons of the enabled providers.
  server.get(
    '/api/sso/providers',
    {
      schema: {
        tags: ['Session'],
        summary: 'Identity providers to sign in with (no authentication needed)',
        security: [],
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({
                id: Type.Integer(),
                type: Type.Union([Type.Literal('saml'), Type.Literal('oidc')]),
                button_text: Type.String(),
                seamless: Type.Boolean(),
                login_url: Type.String({
                  description: 'A path of this site; add ?return_to=/path.',
                }),
              }),
            ),
          }),
        },
      },
    },
    async (_req, reply) => {
      const providers = (await app.sso.providers.list()).filter((p) => p.enabled);
      void reply.header('cache-control', 'no-store');
      return {
        data: providers.map((p) => ({
          id: p.id,
          type: p.type,
          button_text: p.button_text,
          seamless: p.seamless,
          login_url: ssoPaths.login(p.id),
        })),
      };
    },
  );

  // Sign-out's last step: to the provider's logout URL when the session came from one.
  // Otherwise to the sign-in form with no_auto=1: with a seamless provider, plain /sign-in
  // would send the person straight back to the IdP and sign them in again at once.
  server.get('/sso/logout', { schema: { hide: true } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await app.sessions.end(token);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    const id = Number(req.cookies[SSO_PROVIDER_COOKIE]);
    void reply.clearCookie(SSO_PROVIDER_COOKIE, { path: '/' });
    const provider =
      Number.isSafeInteger(id) && id > 0 ? await app.sso.providers.find(id) : undefined;
    return reply
      .header('cache-control', 'no-store')
      .redirect(provider?.logout_url ?? '/sign-in?no_auto=1', 303);
  });

  samlRoutes(server, app, deps);
}
