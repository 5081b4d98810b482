/** SQL for SCIM bearer tokens: stored as SHA-256 hashes, looked up by hash. */
import type { Executor } from './people-repo.ts';
import { compiledLookup } from './compiled-lookup.ts';
import type { Selectable } from 'kysely';
import type { ScimTokensTable } from './schema.ts';

export type ScimTokenRow = Selectable<ScimTokensTable>;

export async function insertScimToken(
  db: Executor,
  directoryId: number,
  prefix: string,
  hash: string,
  at: string,
): Promise<number> {
  const r = await db
    .insertInto('scim_tokens')
    .values({ directory_id: directoryId, prefix, token_hash: hash, created_at: at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/**
 * The lookup every SCIM request makes, by the token's hash (a unique index): one query,
 * prepared on PostgreSQL (store/prepared.ts), so its columns are named rather than `*`, and
 * compiled once (compiled-lookup.ts) as the API key's is: building it with Kysely on every
 * request was a twentieth of a SCIM lookup's CPU time (bench/scim.bench.ts).
 */
export function scimTokenForAuthQuery(db: Executor, hash: string) {
  return db
    .selectFrom('scim_tokens')
    .select(['id', 'directory_id', 'token_hash', 'expires_at', 'revoked_at', 'last_used_at'])
    .where('token_hash', '=', hash);
}

const scimTokenForAuth = compiledLookup('scimTokenForAuth', scimTokenForAuthQuery, [['a'], ['b']]);

export async function findScimTokenForAuth(db: Executor, hash: string) {
  return (await scimTokenForAuth(db, hash))[0];
}

export function liveScimTokens(
  db: Executor,
  directoryId: number,
  now: string,
): Promise<ScimTokenRow[]> {
  return db
    .selectFrom('scim_tokens')
    .selectAll()
    .where('directory_id', '=', directoryId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('id')
    .execute();
}

/** Makes the directory's live tokens expire at `at` (a rotation's grace period); returns how many. */
export async function expireScimTokens(
  db: Executor,
  directoryId: number,
  expiresAt: string,
  now: string,
): Promise<number> {
  const rows = await db
    .updateTable('scim_tokens')
    .set({ expires_at: expiresAt })
    .where('directory_id', '=', directoryId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', expiresAt)]))
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .returning('id')
    .execute();
  return rows.length;
}

export async function revokeScimTokens(
  db: Executor,
  directoryId: number,
  at: string,
): Promise<number> {
  const rows = await db
    .updateTable('scim_tokens')
    .set({ revoked_at: at })
    .where('directory_id', '=', directoryId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.length;
}

export async function touchScimToken(db: Executor, id: number, at: string): Promise<void> {
  await db.updateTable('scim_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}
