/**
 * Logins in progress: what a protocol gate started at the IdP and will take back once, from
 * the browser that started it. Kept in the database so any node can finish a login.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../../store/database.ts';
import * as logins from '../../store/sso-login-repo.ts';
import { nowIso } from '../context.ts';
import type { LoginProtocolData, ProviderType, TakenLogin } from './types.ts';

/** How long a started login may take at the IdP. */
export const LOGIN_TTL_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** Used and expired requests are kept a day, for the audit trail of a replay. */
const KEEP_USED_MS = 24 * 3_600_000;

/** The stored form of a browser's binding value: a leaked table row cannot be replayed as a cookie. */
function browserHash(browser: string): string {
  return createHash('sha256').update(browser).digest('hex');
}

const UNKNOWN: TakenLogin = {
  ok: false,
  why: 'unknown',
  reason: 'The sign-in it answers is not one of this site.',
};

export class LoginRequests {
  private lastPrune = 0;

  constructor(private readonly store: Store) {}

  async start(
    providerId: number,
    returnTo: string | null,
    data: LoginProtocolData & { kind?: ProviderType },
  ): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    await logins.insertLoginRequest(this.store.db, {
      id,
      provider_id: providerId,
      // A SAML login carries its AuthnRequest ID; an OIDC one its nonce and verifier.
      kind: data.kind ?? (data.requestId !== undefined ? 'saml' : 'oidc'),
      return_to: returnTo,
      request_id: data.requestId ?? null,
      oidc_state: data.oidcState ?? null,
      oidc_nonce: data.oidcNonce ?? null,
      oidc_code_verifier: data.oidcCodeVerifier ?? null,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + LOGIN_TTL_MS).toISOString(),
      used_at: null,
      browser_hash: browserHash(data.browser),
    });
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await logins.deleteLoginRequestsBefore(
        this.store.db,
        new Date(now - KEEP_USED_MS).toISOString(),
      );
    }
    return id;
  }

  /**
   * Takes a started login once (atomic), and only for the browser that started it: a replay,
   * an expired login or a login brought back by another browser (login CSRF: an attacker's
   * own login finished in the victim's browser) gets nothing, with the reason.
   */
  async take(id: string, browser: string | undefined): Promise<TakenLogin> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(id)) return UNKNOWN;
    const now = nowIso();
    const request =
      browser === undefined
        ? undefined
        : await logins.takeLoginRequest(this.store.db, id, browserHash(browser), now);
    if (request) return { ok: true, request };
    const row = await logins.findLoginRequest(this.store.db, id);
    if (!row) return UNKNOWN;
    if (row.used_at !== null)
      return {
        ok: false,
        why: 'used',
        reason: 'The sign-in it answers was already completed (a replay or a second submission).',
      };
    if (row.expires_at <= now)
      return {
        ok: false,
        why: 'expired',
        reason: `The sign-in it answers expired at ${row.expires_at}.`,
      };
    return {
      ok: false,
      why: 'other_browser',
      reason:
        browser === undefined
          ? 'The browser that brought the answer back has no sign-in cookie of this site: it is not the browser that started the sign-in (or it blocks the cookie).'
          : 'The browser that brought the answer back is not the one that started the sign-in (its sign-in cookie differs).',
    };
  }
}
