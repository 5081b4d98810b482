/**
 * OpenID Connect: GET /sso/{id}/login (started by the SSO gate's dispatcher) and
 * GET /sso/{id}/callback. `state` is our login request's id: taken once from the database
 * (a replayed or forged callback finds nothing), and only by the browser that started the
 * login (its binding cookie, browser-binding.ts), so a callback URL of someone else's login
 * signs nobody in here.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import { defaultMessage } from '../../../core/errors.ts';
import { isOidc, type OidcIdentityProvider } from '../../../core/sso/types.ts';
import { bindBrowser, browserOf } from '../browser-binding.ts';
import { finishLogin } from '../finish.ts';
import { oidcEndpoints } from '../urls.ts';
import {
  newOidcSecrets,
  oidcAuthorizationUrl,
  oidcCallback,
  oidcConfiguration,
  oidcFailure,
} from './client.ts';

export function publicBase(app: App, req: FastifyRequest): string {
  return app.config.publicUrl ?? `${req.protocol}://${req.host}`;
}

export async function startOidcLogin(
  app: App,
  req: FastifyRequest,
  reply: FastifyReply,
  provider: OidcIdentityProvider,
  returnTo: string | null,
): Promise<FastifyReply> {
  let config;
  try {
    config = await oidcConfiguration(provider, app.sso.providers.clientSecret(provider));
  } catch (err) {
    req.log.warn({ provider: provider.id, err: (err as Error).message }, 'OIDC discovery failed');
    return finishLogin(
      app,
      req,
      reply,
      { outcome: 'refused', errorType: 'sso_idp_error', reason: defaultMessage('sso_idp_error') },
      null,
    );
  }
  const secrets = newOidcSecrets();
  const id = await app.sso.startLogin(provider.id, returnTo, {
    kind: 'oidc',
    browser: bindBrowser(app, req, reply),
    oidcNonce: secrets.nonce,
    oidcCodeVerifier: secrets.codeVerifier,
  });
  const { redirect_uri } = oidcEndpoints(publicBase(app, req), provider.id);
  const url = await oidcAuthorizationUrl(config, provider, redirect_uri, id, secrets);
  return reply.header('cache-control', 'no-store').redirect(url, 302);
}

type CallbackRefusal =
  'sso_login_invalid' | 'sso_login_other_browser' | 'sso_idp_error' | 'sso_provider_disabled';

/** The person's page; with `audit`, the refusal is also recorded (sso.login, refused, reason). */
async function refusedPage(
  app: App,
  req: FastifyRequest,
  reply: FastifyReply,
  errorType: CallbackRefusal,
  audit?: { providerId: number; reason: string },
) {
  if (audit)
    await app.sso.recordRefusal(
      audit.providerId,
      { errorType, reason: audit.reason },
      { ip: req.ip, requestId: req.id },
    );
  return finishLogin(
    app,
    req,
    reply,
    { outcome: 'refused', errorType, reason: defaultMessage(errorType) },
    null,
  );
}

export async function oidcCallbackRoute(
  app: App,
  req: FastifyRequest<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const id = Number(req.params.id);
  const provider =
    Number.isSafeInteger(id) && id > 0 ? await app.sso.providers.find(id) : undefined;
  if (!provider || !isOidc(provider)) return refusedPage(app, req, reply, 'sso_login_invalid');
  if (!provider.enabled) return refusedPage(app, req, reply, 'sso_provider_disabled');
  const q = req.query;
  const state = typeof q.state === 'string' ? q.state : '';
  // Taken once, whatever follows: the IdP's error, a bad code or a good one.
  const taken = await app.sso.takeLogin(state, browserOf(req));
  if (!taken.ok)
    return refusedPage(
      app,
      req,
      reply,
      taken.why === 'other_browser' ? 'sso_login_other_browser' : 'sso_login_invalid',
      { providerId: provider.id, reason: `OIDC callback refused: ${taken.reason}` },
    );
  const request = taken.request;
  if (request.provider_id !== provider.id || request.kind !== 'oidc')
    return refusedPage(app, req, reply, 'sso_login_invalid', {
      providerId: provider.id,
      reason: 'OIDC callback refused: its state belongs to a sign-in at another identity provider.',
    });
  if (typeof q.error === 'string') {
    req.log.warn(
      { provider: provider.id, error: q.error, description: q.error_description },
      'OIDC provider answered with an error',
    );
    return refusedPage(app, req, reply, 'sso_idp_error', {
      providerId: provider.id,
      reason: `The OpenID Provider answered with the error ${q.error.slice(0, 100)}.`,
    });
  }
  const base = publicBase(app, req);
  const { redirect_uri } = oidcEndpoints(base, provider.id);
  // The URL the IdP redirected to, as the redirect_uri registered (behind a proxy the
  // request's own URL may differ), with the query it brought.
  const callbackUrl = new URL(redirect_uri);
  callbackUrl.search = new URL(req.url, base).search;
  let result;
  try {
    const config = await oidcConfiguration(provider, app.sso.providers.clientSecret(provider));
    result = await oidcCallback(
      config,
      callbackUrl,
      {
        state: request.id,
        nonce: request.oidc_nonce ?? '',
        codeVerifier: request.oidc_code_verifier ?? '',
      },
      // email_verified travels with email: when the id_token leaves it out, userinfo has it.
      Object.values(provider.attribute_mapping).flatMap((c) =>
        c === 'email' ? ['email', 'email_verified'] : [c],
      ),
    );
  } catch (err) {
    // Signature, iss, aud, exp, nonce or the code exchange failed: nobody is signed in.
    const why = oidcFailure(err);
    req.log.warn({ provider: provider.id, err: why }, 'OIDC callback refused');
    return refusedPage(app, req, reply, 'sso_idp_error', {
      providerId: provider.id,
      reason: `The OpenID Provider's answer did not verify: ${why}`,
    });
  }
  const more = result.withUserInfo;
  const outcome = await app.sso.complete(
    {
      providerId: provider.id,
      subject: result.subject,
      linkable: true,
      attributes: result.claims.attributes,
      unverified: result.claims.unverified,
      ...(more
        ? {
            moreAttributes: async () => {
              try {
                return await more();
              } catch (err) {
                req.log.warn(
                  { provider: provider.id, err: (err as Error).message },
                  'OIDC userinfo failed',
                );
                throw err;
              }
            },
          }
        : {}),
    },
    { ip: req.ip, requestId: req.id },
    provider,
  );
  return finishLogin(app, req, reply, outcome, request.return_to, provider.id);
}
