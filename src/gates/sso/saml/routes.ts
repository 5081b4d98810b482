/**
 * The SAML endpoints of an identity provider:
 * - GET  /sso/{id}/metadata  SP metadata, no sign-in (the IdP administrator loads it);
 * - GET  /sso/{id}/login     (dispatched here by the SSO gate for SAML providers)
 *                            an AuthnRequest over HTTP-Redirect, signed when sign_requests;
 * - POST /sso/{id}/acs       the IdP's Response over HTTP-POST.
 * The ACS POST is cross-site: the login's state is the login request named by RelayState,
 * kept in the database, and bound to the browser that started it by a SameSite=None cookie
 * over HTTPS (browser-binding.ts). An IdP-initiated login (when allowed) answers no request,
 * so it has no binding: that is what allowing IdP-initiated logins accepts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { defaultMessage } from '../../../core/errors.ts';
import {
  isSaml,
  type IdentityProvider,
  type LoginContext,
  type LoginOutcome,
  type LoginProtocolData,
  type SamlIdentityProvider,
  type TakenLogin,
  type VerifiedLogin,
} from '../../../core/sso/types.ts';
import { recordAssertionOnce } from '../../../store/saml-replay-repo.ts';
import { samlEndpoints, ssoPaths, type SamlEndpoints } from '../urls.ts';
import { newRequestId, samlClient } from './client.ts';
import { spKeys } from './sp-keys.ts';
import { spMetadataXml } from './sp-metadata.ts';
import { SamlRefusal, verifySamlResponse } from './verify.ts';
import { createVerifyPool } from './verify-pool.ts';
import { freshProvider } from './refresh.ts';
import { bindBrowser, browserOf } from '../browser-binding.ts';

/** What the SAML gate needs from the SSO service (H4's app.sso and finishLogin). */
export interface SamlGateDeps {
  findProvider(id: number): Promise<IdentityProvider | undefined>;
  startLogin(providerId: number, returnTo: string | null, data: LoginProtocolData): Promise<string>;
  /** Takes the login for the browser bringing the answer (its binding value, if any). */
  takeLogin(id: string, browser: string | undefined): Promise<TakenLogin>;
  /** The first-login decision; `provider` as just read here (not read again). */
  complete(
    login: VerifiedLogin,
    ctx: LoginContext,
    provider?: IdentityProvider,
  ): Promise<LoginOutcome>;
  /** Audits a response refused before anyone was identified (sso.login, refused, reason). */
  refused(
    providerId: number,
    refusal: { errorType: string; reason: string },
    ctx: LoginContext,
  ): Promise<void>;
  /** Signs in (session cookie, redirect to return_to) or renders the outcome's page. */
  finish(
    req: FastifyRequest,
    reply: FastifyReply,
    outcome: LoginOutcome,
    returnTo: string | null,
    /** The provider signed in with: sign-out then goes to its logout URL. */
    providerId?: number,
  ): Promise<unknown>;
}

/** The site's public base: GATEHOUSE_PUBLIC_URL, else what the request was addressed to. */
export function publicBase(app: App, req: FastifyRequest): string {
  return app.config.publicUrl ?? `${req.protocol}://${req.host}`;
}

export function endpointsFor(app: App, req: FastifyRequest, id: number): SamlEndpoints {
  return samlEndpoints(publicBase(app, req), id);
}

function refused(errorType: string, reason: string): LoginOutcome {
  return { outcome: 'refused', errorType, reason };
}

async function samlProvider(
  app: App,
  deps: SamlGateDeps,
  rawId: string,
): Promise<SamlIdentityProvider | undefined> {
  const id = Number(rawId);
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const p = await deps.findProvider(id);
  return p && isSaml(p) ? freshProvider(app, p) : undefined;
}

/** GET /sso/{id}/login for a SAML provider: stores the login, redirects to the IdP. */
export async function startSamlLogin(
  app: App,
  deps: SamlGateDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  provider: SamlIdentityProvider,
  returnTo: string | null,
): Promise<unknown> {
  const keys = await spKeys(app);
  const requestId = newRequestId();
  // The AuthnRequest ID is stored with the login; RelayState carries the login's id.
  const loginId = await deps.startLogin(provider.id, returnTo, {
    requestId,
    browser: bindBrowser(app, req, reply),
  });
  const saml = samlClient(provider, endpointsFor(app, req, provider.id), keys, { requestId });
  const url = await saml.getAuthorizeUrlAsync(loginId, undefined, {});
  return reply.header('cache-control', 'no-store').redirect(url, 302);
}

/**
 * Registers the SAML metadata and ACS. GET /sso/{id}/login, shared by both protocols, is
 * the SSO gate's (src/gates/sso/routes.ts): for a SAML provider it calls startSamlLogin.
 */
export function samlRoutes(server: FastifyInstance, app: App, deps: SamlGateDeps): void {
  const pool = createVerifyPool();
  server.addHook('onClose', () => pool.close());
  void server.register((scope, _opts, done) => {
    // The IdP's form posts application/x-www-form-urlencoded; only this scope parses it.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, next) => {
        const params = new URLSearchParams(typeof body === 'string' ? body : body.toString());
        next(null, Object.fromEntries(params));
      },
    );
    const rateLimit = { max: app.config.ssoPerMinute, timeWindow: 60_000 };

    scope.get<{ Params: { id: string } }>(
      ssoPaths.metadata(':id'),
      { schema: { hide: true }, config: { rateLimit } },
      async (req, reply) => {
        const provider = await samlProvider(app, deps, req.params.id);
        if (!provider)
          return reply
            .code(404)
            .type('text/plain; charset=utf-8')
            .send(defaultMessage('not_found'));
        const xml = spMetadataXml(provider, endpointsFor(app, req, provider.id), await spKeys(app));
        return reply
          .type('application/samlmetadata+xml; charset=utf-8')
          .header('content-disposition', `inline; filename="gatehouse-sp-${provider.id}.xml"`)
          .send(xml);
      },
    );

    scope.post<{ Params: { id: string }; Body: Record<string, string> | undefined }>(
      ssoPaths.acs(':id'),
      { schema: { hide: true }, config: { rateLimit } },
      async (req, reply) => {
        const provider = await samlProvider(app, deps, req.params.id);
        if (!provider || !provider.enabled)
          return deps.finish(
            req,
            reply,
            refused(
              provider ? 'sso_provider_disabled' : 'sso_login_invalid',
              provider
                ? defaultMessage('sso_provider_disabled')
                : defaultMessage('sso_login_invalid'),
            ),
            null,
          );
        const endpoints = endpointsFor(app, req, provider.id);
        let verified;
        try {
          verified = await verifySamlResponse(
            provider,
            endpoints,
            await spKeys(app),
            req.body ?? {},
            {
              check: (input) => pool.check(input),
              takeLogin: (id) => deps.takeLogin(id, browserOf(req)),
              recordAssertion: (key, expiresAt) =>
                recordAssertionOnce(app.store.db, key, expiresAt, new Date().toISOString()),
            },
          );
        } catch (err) {
          if (!(err instanceof SamlRefusal)) throw err;
          // The reason is for administrators (log, audit); the person sees the catalogue's sentence.
          req.log.warn({ provider: provider.id, reason: err.reason }, 'SAML response refused');
          await deps.refused(
            provider.id,
            { errorType: err.errorType, reason: err.reason },
            { ip: req.ip, requestId: req.id },
          );
          return deps.finish(
            req,
            reply,
            refused(err.errorType, defaultMessage(err.errorType)),
            null,
          );
        }
        const outcome = await deps.complete(
          verified.login,
          { ip: req.ip, requestId: req.id },
          provider,
        );
        return deps.finish(req, reply, outcome, verified.request?.return_to ?? null, provider.id);
      },
    );
    done();
  });
}
