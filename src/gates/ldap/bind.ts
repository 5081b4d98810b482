/**
 * Sign-in by bind: find the entry with the service account, then bind AS the entry on a
 * second connection with the same URL and TLS settings. The password is only ever sent to
 * the directory. AD says why a bind failed in a sub-code of the diagnostic ("data 52e");
 * those become kinds the sign-in page words clearly. A directory that cannot be reached
 * is never reported as a wrong password.
 */
import { bindAs, connect, withClient } from './client.ts';
import { toLdapError } from './errors.ts';
import { findUserWith } from './search.ts';
import {
  LdapError,
  type LdapConnectionSettings,
  type LdapErrorKind,
  type LdapUserSearch,
  type VerifyPasswordResult,
} from './types.ts';

const WRONG = 'The username or password is wrong.';

/** AD's AcceptSecurityContext sub-codes (the "data XXX" of the bind's diagnostic). */
const AD_SUBCODES: Record<string, { kind: LdapErrorKind; message: string }> = {
  '525': { kind: 'invalid_credentials', message: WRONG },
  '52e': { kind: 'invalid_credentials', message: WRONG },
  '530': {
    kind: 'account_disabled',
    message: 'The directory does not allow this account to sign in at this time.',
  },
  '531': {
    kind: 'account_disabled',
    message: 'The directory does not allow this account to sign in from here.',
  },
  '532': {
    kind: 'password_expired',
    message:
      'The password has expired: change it in the directory (for example with Ctrl+Alt+Del on a Windows PC), then sign in.',
  },
  '533': {
    kind: 'account_disabled',
    message: 'The account is disabled in the directory: ask the IT team to enable it.',
  },
  '701': {
    kind: 'account_disabled',
    message: 'The account has expired in the directory: ask the IT team to extend it.',
  },
  '773': {
    kind: 'password_must_change',
    message:
      'The directory requires a new password before the first sign-in: change it (for example on a Windows PC), then sign in.',
  },
  '775': {
    kind: 'account_locked',
    message:
      'The account is locked in the directory after too many wrong passwords: wait for the lock to pass or ask the IT team to unlock it.',
  },
};

export function adSubcode(err: unknown): string | undefined {
  const text = err instanceof Error ? err.message : String(err);
  return /\bdata ([0-9a-f]{3,4})\b/i.exec(text)?.[1]?.toLowerCase();
}

function refuse(kind: LdapErrorKind, message: string): VerifyPasswordResult {
  return { ok: false, kind, message };
}

export async function verifyPassword(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  username: string,
  password: string,
): Promise<VerifyPasswordResult> {
  // An empty password would be an unauthenticated bind, which succeeds (RFC 4513 5.1.2).
  if (password === '' || username.trim() === '') return refuse('invalid_credentials', WRONG);
  let entry;
  try {
    entry = await withClient(conn, (client) => findUserWith(client, conn, search, username));
  } catch (err) {
    const e = err instanceof LdapError ? err : toLdapError(err, { url: conn.url, phase: 'search' });
    // The SERVICE account's refusal is a configuration problem, not the user's wrong password.
    if (e.kind === 'invalid_credentials')
      return refuse(
        'other',
        "Sign-in with the directory is not possible now: the directory refused Gatehouse's bind account (an administrator must fix the directory settings).",
      );
    return refuse(e.kind, directoryDownMessage(e));
  }
  if (!entry) return refuse('invalid_credentials', WRONG);

  let client;
  try {
    client = await connect(conn);
  } catch (err) {
    const e = toLdapError(err, { url: conn.url, phase: 'connect' });
    return refuse(e.kind, directoryDownMessage(e));
  }
  try {
    await bindAs(client, conn, entry.dn, password);
  } catch (err) {
    const cause = err instanceof LdapError ? err.cause : err;
    const sub = adSubcode(cause);
    const known = sub ? AD_SUBCODES[sub] : undefined;
    if (known) return refuse(known.kind, known.message);
    const e = err instanceof LdapError ? err : toLdapError(err, { url: conn.url, phase: 'bind' });
    if (e.kind === 'invalid_credentials') return refuse('invalid_credentials', WRONG);
    return refuse(e.kind, directoryDownMessage(e));
  } finally {
    await client.unbind().catch(() => undefined);
  }
  // OpenLDAP without ppolicy lets a "disabled" (administratively locked) entry bind.
  if (!entry.active)
    return refuse(
      'account_disabled',
      'The account is disabled in the directory: ask the IT team to enable it.',
    );
  return { ok: true, entry };
}

function directoryDownMessage(e: LdapError): string {
  if (e.kind === 'connection_refused' || e.kind === 'timeout' || e.kind === 'partial_results')
    return 'The user directory cannot be reached right now, so the password cannot be checked: try again in a few minutes, or tell the IT team.';
  if (e.kind === 'tls')
    return 'The secure connection to the user directory failed, so the password cannot be checked: tell the IT team.';
  return `The password cannot be checked with the user directory now: ${e.message}`;
}
