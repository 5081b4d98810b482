/**
 * SCIM bearer tokens: one live token per SCIM directory, shown once, stored as a SHA-256
 * hash (256 random bits: no dictionary to attack, so a fast hash keeps each request cheap),
 * compared in constant time. Rotating makes a new token and leaves the old one working for
 * a grace period (default 60 minutes, 0 to 1440) so the IdP can be switched over without
 * failed requests; revoking stops every token of the directory at once.
 */
import type { Store } from '../../store/database.ts';
import type { Executor } from '../../store/people-repo.ts';
import * as repo from '../../store/scim-tokens.ts';
import { findDirectory } from '../../store/directory-repo.ts';
import { recordAudit } from '../../audit/record.ts';
import { constantTimeEqual, randomToken, tokenHash } from '../../auth/tokens.ts';
import { type Actor, nowIso } from '../context.ts';
import { fail } from '../errors.ts';

export const SCIM_TOKEN_PREFIX = 'ghs_';
export const DEFAULT_GRACE_MINUTES = 60;
const TOUCH_EVERY_MS = 60_000;

export interface IssuedScimToken {
  /** Absolute, ends with /scim/v2: what the IdP calls the tenant or base URL. */
  scim_url: string;
  /** Shown once; only its hash is kept. */
  token: string;
}

export function scimUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/scim/v2`;
}

async function issue(db: Executor, directoryId: number, at: string): Promise<string> {
  const token = randomToken(SCIM_TOKEN_PREFIX);
  await repo.insertScimToken(db, directoryId, token.slice(0, 8), tokenHash(token), at);
  return token;
}

/**
 * The first token of a new SCIM directory (POST /directories with type scim calls this).
 * `db` may be the transaction that made the directory.
 */
export async function createScimToken(
  db: Executor,
  directoryId: number,
  baseUrl: string,
): Promise<IssuedScimToken> {
  return { scim_url: scimUrl(baseUrl), token: await issue(db, directoryId, nowIso()) };
}

export interface ScimCaller {
  directoryId: number;
  tokenId: number;
}

export class ScimTokens {
  private readonly touched = new Map<number, number>();
  constructor(private readonly store: Store) {}

  private async scimDirectory(db: Executor, directoryId: number): Promise<string> {
    const d = await findDirectory(db, directoryId);
    if (!d) fail('not_found', `No directory has id ${directoryId}.`);
    if (d.kind !== 'scim')
      fail('directory_type_mismatch', 'Only a SCIM directory has a SCIM token.');
    return d.name;
  }

  /** A new token; the current ones keep working for `graceMinutes` (0: they stop now). */
  async rotate(
    actor: Actor,
    directoryId: number,
    baseUrl: string,
    graceMinutes = DEFAULT_GRACE_MINUTES,
  ): Promise<IssuedScimToken & { previous_expires_at: string | null }> {
    if (!Number.isInteger(graceMinutes) || graceMinutes < 0 || graceMinutes > 1440)
      fail('validation_failed', undefined, {
        fields: [{ field: 'grace_minutes', message: 'A whole number from 0 to 1440.' }],
      });
    return this.store.db.transaction().execute(async (tx) => {
      const name = await this.scimDirectory(tx, directoryId);
      const at = nowIso();
      const until = new Date(Date.parse(at) + graceMinutes * 60_000).toISOString();
      const kept = await repo.expireScimTokens(tx, directoryId, until, at);
      const token = await issue(tx, directoryId, at);
      await recordAudit(tx, actor, {
        action: 'directory.scim_token_rotate',
        targetType: 'directory',
        targetId: directoryId,
        targetLabel: name,
        changes: { previous_tokens_expire_at: [null, kept > 0 ? until : null] },
        at,
      });
      return { scim_url: scimUrl(baseUrl), token, previous_expires_at: kept > 0 ? until : null };
    });
  }

  /** Stops every token of the directory; the IdP's requests fail until a new one is made. */
  async revoke(actor: Actor, directoryId: number): Promise<number> {
    return this.store.db.transaction().execute(async (tx) => {
      const name = await this.scimDirectory(tx, directoryId);
      const at = nowIso();
      const n = await repo.revokeScimTokens(tx, directoryId, at);
      await recordAudit(tx, actor, {
        action: 'directory.scim_token_revoke',
        targetType: 'directory',
        targetId: directoryId,
        targetLabel: name,
        changes: { revoked_tokens: [null, n] },
        at,
      });
      return n;
    });
  }

  async status(
    directoryId: number,
  ): Promise<
    { prefix: string; created_at: string; expires_at: string | null; last_used_at: string | null }[]
  > {
    return (await repo.liveScimTokens(this.store.db, directoryId, nowIso())).map((t) => ({
      prefix: t.prefix,
      created_at: t.created_at,
      expires_at: t.expires_at,
      last_used_at: t.last_used_at,
    }));
  }

  /** The directory a bearer token speaks for, or undefined when it is not a live token. */
  async authenticate(token: string): Promise<ScimCaller | undefined> {
    if (!token.startsWith(SCIM_TOKEN_PREFIX) || token.length > 200) return undefined;
    const hash = tokenHash(token);
    const row = await repo.findScimTokenForAuth(this.store.db, hash);
    if (!row || !constantTimeEqual(row.token_hash, hash)) return undefined;
    const now = Date.now();
    if (row.revoked_at !== null) return undefined;
    if (row.expires_at !== null && Date.parse(row.expires_at) <= now) return undefined;
    const last = this.touched.get(row.id) ?? (row.last_used_at ? Date.parse(row.last_used_at) : 0);
    if (now - last > TOUCH_EVERY_MS) {
      this.touched.set(row.id, now);
      await repo.touchScimToken(this.store.db, row.id, new Date(now).toISOString());
    }
    return { directoryId: row.directory_id, tokenId: row.id };
  }
}
