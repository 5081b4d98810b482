/**
 * OpenID Connect relying party with openid-client 6: discovery (cached per provider
 * version), authorization code + PKCE (S256) with state and nonce, and the callback's checks
 * (id_token signature from the IdP's JWKS, iss, aud, exp, nonce — openid-client does them,
 * the signature only when told: see oidcConfiguration; state is our single-use login
 * request's id, checked here and by takeLogin). test/sso/oidc-id-token.test.ts proves each.
 */
import * as client from 'openid-client';
import type { OidcIdentityProvider } from '../../../core/sso/types.ts';

const DISCOVERY_TTL_MS = 10 * 60_000;
const TIMEOUT_S = 10;

interface Cached {
  key: string;
  at: number;
  config: client.Configuration;
}
const cache = new Map<number, Cached>();

/**
 * Plain http is refused by openid-client; an issuer on the loopback address (a test IdP, a
 * local development IdP) is the one exception, as the specification's loopback rule allows.
 */
function loopback(issuer: string): boolean {
  try {
    const u = new URL(issuer);
    return (
      u.protocol === 'http:' &&
      (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]')
    );
  } catch {
    return false;
  }
}

export async function oidcConfiguration(
  provider: OidcIdentityProvider,
  clientSecret: string | undefined,
): Promise<client.Configuration> {
  const key = `${provider.updated_at}|${provider.config.issuer}|${provider.config.client_id}`;
  const hit = cache.get(provider.id);
  if (hit && hit.key === key && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.config;
  const config = await client.discovery(
    new URL(provider.config.issuer),
    provider.config.client_id,
    clientSecret === undefined ? { token_endpoint_auth_method: 'none' } : clientSecret,
    undefined,
    {
      timeout: TIMEOUT_S,
      ...(loopback(provider.config.issuer) ? { execute: [client.allowInsecureRequests] } : {}),
    },
  );
  config.timeout = TIMEOUT_S;
  // openid-client does not check the signature of an id_token that came from the token
  // endpoint unless told (OIDC Core 3.1.3.7 lets TLS stand in for it); the issue asks for
  // the JWKS check, and a token signed by a key not in the JWKS was signed in without it
  // (regression test: test/sso/oidc-id-token.test.ts). The JWKS is cached with the config.
  client.enableNonRepudiationChecks(config);
  cache.set(provider.id, { key, at: Date.now(), config });
  return config;
}

export interface StartedOidcLogin {
  url: string;
  nonce: string;
  codeVerifier: string;
}

export async function oidcAuthorizationUrl(
  config: client.Configuration,
  provider: OidcIdentityProvider,
  redirectUri: string,
  state: string,
  secrets: { nonce: string; codeVerifier: string },
): Promise<string> {
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: provider.config.scopes.join(' '),
    response_type: 'code',
    code_challenge: await client.calculatePKCECodeChallenge(secrets.codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce: secrets.nonce,
  });
  return url.href;
}

export function newOidcSecrets(): { nonce: string; codeVerifier: string } {
  return { nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
}

/** Claims as the attribute mapping reads them: every value a list of strings. */
export function claimsToAttributes(claims: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(claims)) {
    if (typeof v === 'string') out[k] = [v];
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = [String(v)];
    else if (Array.isArray(v))
      out[k] = v
        .filter((x): x is string | number => typeof x === 'string' || typeof x === 'number')
        .map(String);
  }
  return out;
}

/**
 * The claims the OpenID Provider did not verify: `email` unless `email_verified` is true
 * (OpenID Connect Core §5.1). Some providers send the flag as the string "true" (Cognito).
 * No preset overrides this: Entra ID sends no email_verified and its `email` is a value
 * any tenant can set (the 2023 "nOAuth" takeovers), so with Entra, match by username.
 */
export function unverifiedClaims(claims: Record<string, unknown>): string[] {
  if (claims.email === undefined) return [];
  const v = claims.email_verified;
  return v === true || v === 'true' ? [] : ['email'];
}

/**
 * The sentence for the audit log when the callback's checks fail. openid-client's own
 * message is generic ("unexpected JWT claim value encountered"); the error it wraps says
 * which check failed (`unexpected JWT "aud" (audience) claim value`), which is what an
 * administrator needs to read.
 */
export function oidcFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return cause && cause !== err.message ? `${err.message}: ${cause}` : err.message;
}

/** Claims as the core reads them: the attribute lists, and which the IdP did not verify. */
export interface OidcClaims {
  attributes: Record<string, string[]>;
  unverified: string[];
}

export function claimsOf(claims: Record<string, unknown>): OidcClaims {
  return { attributes: claimsToAttributes(claims), unverified: unverifiedClaims(claims) };
}

/**
 * Exchanges the code (with the PKCE verifier) and checks the id_token. When a mapped claim
 * is not in the id_token (Entra and Okta leave profile claims out of it by default), the
 * userinfo request that would bring it is returned, not made: the core makes it only when
 * the decision needs more than the verified subject (no linked identity yet), which spares
 * a round trip to the IdP at every sign-in of a linked person.
 */
export async function oidcCallback(
  config: client.Configuration,
  callbackUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string },
  mappedClaims: string[],
): Promise<{ subject: string; claims: OidcClaims; withUserInfo?: () => Promise<OidcClaims> }> {
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    expectedState: checks.state,
    expectedNonce: checks.nonce,
    pkceCodeVerifier: checks.codeVerifier,
    idTokenExpected: true,
  });
  const idClaims = tokens.claims();
  if (!idClaims) throw new Error('The token response has no id_token.');
  const claims: Record<string, unknown> = { ...idClaims };
  const missing = mappedClaims.some((c) => !c.startsWith('$') && !(c in claims));
  const accessToken = tokens.access_token;
  if (!missing || !config.serverMetadata().userinfo_endpoint || !accessToken)
    return { subject: idClaims.sub, claims: claimsOf(claims) };
  return {
    subject: idClaims.sub,
    claims: claimsOf(claims),
    withUserInfo: async () => {
      // openid-client checks that userinfo's sub is the id_token's; the id_token's verified
      // claims win over userinfo's.
      const info = await client.fetchUserInfo(config, accessToken, idClaims.sub);
      return claimsOf({ ...info, ...claims });
    },
  };
}
