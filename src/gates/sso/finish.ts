/**
 * The end of every SSO login, whatever the protocol: a sign-in gets the console's session
 * cookie and goes to its return_to (a path of this site only); a redirect outcome goes to the
 * provider's "URL to redirect to if the user is not found"; a refusal is a page with the
 * reason. The SAML ACS and the OIDC callback both end here.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../app.ts';
import { defaultMessage, statusOf, ERROR_TYPES, type ErrorType } from '../../core/errors.ts';
import type { LoginOutcome } from '../../core/sso/types.ts';
import { SESSION_COOKIE } from '../api/authenticate.ts';
import { ssoMessagePage } from './pages.ts';
import { safeReturnTo } from './urls.ts';

/** Which provider the session came from, for sign-out's logout URL (not a secret). */
export const SSO_PROVIDER_COOKIE = 'gh_sso_idp';

const TITLES: Partial<Record<string, string>> = {
  sso_account_blocked: 'Your account is blocked',
  sso_account_frozen: 'Your account is locked for now',
  sso_no_account: 'No account for you yet',
  sso_directories_present: 'No account for you yet',
  sso_directory_unavailable: 'The user directory did not answer',
  sso_login_invalid: 'This sign-in cannot be completed',
  sso_login_other_browser: 'This sign-in started in another browser',
  sso_idp_error: 'The identity provider did not sign you in',
  rate_limited: 'Too many sign-in attempts',
};

function catalogued(t: string): ErrorType | undefined {
  return (ERROR_TYPES as string[]).includes(t) ? (t as ErrorType) : undefined;
}

export async function finishLogin(
  app: App,
  req: FastifyRequest,
  reply: FastifyReply,
  outcome: LoginOutcome,
  returnTo: string | null,
  providerId?: number,
): Promise<FastifyReply> {
  if (outcome.outcome === 'signed_in' || outcome.outcome === 'provisioned') {
    const { token } = await app.sessions.create(outcome.personId, {
      ip: req.ip,
      userAgent: req.headers['user-agent'],
    });
    // The same cookie as the console's own sign-in (gates/console/session-routes.ts). Set on
    // this cross-site response it is stored; the console's requests that follow are same-site.
    void reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: app.config.cookieSecure,
      maxAge: app.config.sessionHours * 3600,
    });
    if (providerId !== undefined)
      void reply.setCookie(SSO_PROVIDER_COOKIE, String(providerId), {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: app.config.cookieSecure,
        maxAge: app.config.sessionHours * 3600,
      });
    return reply.header('cache-control', 'no-store').redirect(safeReturnTo(returnTo) ?? '/', 303);
  }
  if (outcome.outcome === 'redirected')
    return reply.header('cache-control', 'no-store').redirect(outcome.url, 303);
  if (outcome.outcome !== 'refused') return reply.redirect('/', 303);
  const type = catalogued(outcome.errorType) ?? 'sso_login_invalid';
  return ssoMessagePage(
    reply,
    statusOf(type),
    TITLES[type] ?? 'You could not be signed in',
    defaultMessage(type),
    outcome.reason,
  );
}
