/**
 * Login CSRF protection: the login a browser starts can only be finished by that browser.
 * GET /sso/{id}/login gives the browser a random value in a cookie (kept when it has one, so
 * two tabs can sign in at once); the core stores its hash with the login request, and the
 * OIDC callback and the SAML ACS take the login only with the same value (SsoService.takeLogin).
 * Without it, an attacker could finish their own IdP login in a victim's browser (by a link
 * to the callback, or an auto-submitted form to the ACS) and have the victim work signed in
 * as the attacker.
 *
 * The IdP's POST to the ACS is cross-site, so over HTTPS the cookie is SameSite=None; Secure.
 * Browsers refuse SameSite=None without Secure, so over plain HTTP (development, the tests,
 * the same as the session cookie's GATEHOUSE_COOKIE_SECURE=false) it is Lax: it still comes
 * back to the OIDC callback (a top-level GET) and to the ACS from an IdP on the same site;
 * a cross-site SAML IdP needs HTTPS. Path /sso/: no other request carries it.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../app.ts';
import { LOGIN_TTL_MS } from '../../core/sso/login-requests.ts';

export const BROWSER_COOKIE = 'gh_sso_browser';
/** 32 random bytes, base64url. */
const VALUE = /^[A-Za-z0-9_-]{43}$/;

/** The binding value this request's browser brought, if it is well-formed. */
export function browserOf(req: FastifyRequest): string | undefined {
  const v = req.cookies[BROWSER_COOKIE];
  return v !== undefined && VALUE.test(v) ? v : undefined;
}

/** The binding value for a login this browser starts (its own, or a new one), set on the reply. */
export function bindBrowser(app: App, req: FastifyRequest, reply: FastifyReply): string {
  const value = browserOf(req) ?? randomBytes(32).toString('base64url');
  const secure = app.config.cookieSecure || req.protocol === 'https';
  void reply.setCookie(BROWSER_COOKIE, value, {
    path: '/sso/',
    httpOnly: true,
    maxAge: Math.floor(LOGIN_TTL_MS / 1000),
    ...(secure ? { sameSite: 'none' as const, secure: true } : { sameSite: 'lax' as const }),
  });
  return value;
}
