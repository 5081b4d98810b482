/**
 * API keys: shown once at creation, stored as SHA-256 hashes, optional expiry, revocable.
 * A key acts as its owner and stops working the moment the owner is blocked. A lockout
 * (frozen, after failed sign-ins) leaves keys working: it is about password guessing, and
 * stopping keys would let anyone cut a colleague's automation by failing their sign-in.
 */
import type { Store } from '../store/database.ts';
import * as repo from '../store/auth-repo.ts';
import { findPerson } from '../store/people-repo.ts';
import type { ApiKeyRow } from '../store/schema.ts';
import { recordAudit } from '../audit/record.ts';
import { type Actor, nowIso } from '../core/context.ts';
import { GatehouseError, fail } from '../core/errors.ts';
import { randomToken, tokenHash } from './tokens.ts';

export interface ApiKey {
  id: number;
  owner_id: number;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

const KEY_PREFIX = 'ghk_';
/** last_used_at is written at most this often per key, keeping authentication read-only. */
const TOUCH_EVERY_MS = 60_000;

function toApiKey(r: ApiKeyRow): ApiKey {
  return {
    id: r.id,
    owner_id: r.owner_id,
    name: r.name,
    prefix: r.prefix,
    created_at: r.created_at,
    expires_at: r.expires_at,
    revoked_at: r.revoked_at,
    last_used_at: r.last_used_at,
  };
}

export class ApiKeysService {
  constructor(private readonly store: Store) {}

  async create(
    actor: Actor,
    ownerId: number,
    name: string,
    expiresAt: string | null,
  ): Promise<{ key: string; record: ApiKey }> {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 100)
      throw new GatehouseError('validation_failed', undefined, [
        { field: 'name', message: 'Required, at most 100 characters.' },
      ]);
    if (
      expiresAt !== null &&
      (Number.isNaN(Date.parse(expiresAt)) || Date.parse(expiresAt) <= Date.now())
    ) {
      throw new GatehouseError('validation_failed', undefined, [
        { field: 'expires_at', message: 'Must be a date and time in the future.' },
      ]);
    }
    const key = randomToken(KEY_PREFIX);
    const record = await this.store.db.transaction().execute(async (tx) => {
      const owner = await findPerson(tx, ownerId);
      if (!owner) fail('not_found', `No person has id ${ownerId}.`);
      const at = nowIso();
      const r = await repo.insertApiKey(tx, {
        owner_id: ownerId,
        name: trimmed,
        prefix: key.slice(0, KEY_PREFIX.length + 6),
        key_hash: tokenHash(key),
        created_at: at,
        created_by: actor.personId,
        expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString(),
        revoked_at: null,
        last_used_at: null,
      });
      await recordAudit(tx, actor, {
        action: 'api_key.create',
        targetType: 'api_key',
        targetId: r.id,
        targetLabel: `${trimmed} (${owner.username})`,
        changes: {
          name: [null, trimmed],
          owner_id: [null, ownerId],
          expires_at: [null, r.expires_at],
        },
        at,
      });
      return r;
    });
    return { key, record: toApiKey(record) };
  }

  async list(
    ownerId: number | null,
    offset: number,
    limit: number,
  ): Promise<{ data: ApiKey[]; total: number }> {
    const { rows, total } = await repo.listApiKeys(this.store.db, ownerId, offset, limit);
    return { data: rows.map(toApiKey), total };
  }

  async get(id: number): Promise<ApiKey> {
    const r = await repo.findApiKey(this.store.db, id);
    if (!r) fail('not_found', `No API key has id ${id}.`);
    return toApiKey(r);
  }

  async revoke(actor: Actor, id: number): Promise<ApiKey> {
    return this.store.db.transaction().execute(async (tx) => {
      const r = await repo.findApiKey(tx, id);
      if (!r) fail('not_found', `No API key has id ${id}.`);
      if (r.revoked_at === null) {
        const at = nowIso();
        await repo.setApiKeyRevoked(tx, id, at);
        await recordAudit(tx, actor, {
          action: 'api_key.revoke',
          targetType: 'api_key',
          targetId: id,
          targetLabel: r.name,
          changes: { revoked_at: [null, at] },
          at,
        });
        return toApiKey({ ...r, revoked_at: at });
      }
      return toApiKey(r);
    });
  }

  /**
   * The key's owner (with the owner's grants, read in the same query), if the key is valid
   * and the owner may act now; otherwise null.
   */
  async authenticate(
    key: string,
  ): Promise<{ personId: number; username: string; keyId: number; grants: string[] } | null> {
    if (!key.startsWith(KEY_PREFIX) || key.length > 200) return null;
    const row = await repo.findApiKeyForAuth(this.store.db, tokenHash(key));
    if (!row) return null;
    const now = Date.now();
    if (row.revoked_at !== null) return null;
    if (row.expires_at !== null && Date.parse(row.expires_at) <= now) return null;
    // Only a block stops keys; a lockout (frozen) is the sign-in's alone (docs/api.md).
    if (row.state === 'blocked') return null;
    if (row.last_used_at === null || now - Date.parse(row.last_used_at) > TOUCH_EVERY_MS) {
      await repo.touchApiKey(this.store.db, row.key_id, new Date(now).toISOString());
    }
    return {
      personId: row.person_id,
      username: row.username,
      keyId: row.key_id,
      grants: row.grants,
    };
  }
}
