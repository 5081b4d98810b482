/**
 * SAML's shared state (migration 0010): the replay cache of accepted assertion ids and the
 * service provider's key pairs. Both live in the database so that every node agrees.
 */
import type { Executor } from './people-repo.ts';
import type { SamlSpKeysTable } from './schema.ts';

/**
 * Records an assertion as used. True the first time; false when it was already recorded
 * (a replay) — the insert itself is the check, so two nodes cannot both accept one response.
 * Expired rows are pruned on the way: an assertion past its NotOnOrAfter is refused by its
 * own conditions, so its row is no longer needed.
 */
export async function recordAssertionOnce(
  db: Executor,
  assertionKey: string,
  expiresAt: string,
  now: string,
): Promise<boolean> {
  await db.deleteFrom('saml_replay').where('expires_at', '<', now).execute();
  const r = await db
    .insertInto('saml_replay')
    .values({ assertion_key: assertionKey, expires_at: expiresAt })
    .onConflict((oc) => oc.column('assertion_key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

export type SpKeyRow = SamlSpKeysTable;

export async function readSpKeys(db: Executor): Promise<SpKeyRow[]> {
  return db.selectFrom('saml_sp_keys').selectAll().execute();
}

/**
 * Stores a key pair unless another node stored one for the same use first; the caller
 * reads the keys again afterwards, so every node ends up with the same pair.
 */
export async function insertSpKeyIfAbsent(db: Executor, row: SpKeyRow): Promise<void> {
  await db
    .insertInto('saml_sp_keys')
    .values(row)
    .onConflict((oc) => oc.column('use').doNothing())
    .execute();
}
