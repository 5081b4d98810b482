/**
 * The trigram index of substring search on PostgreSQL (made by migration 0007 when pg_trgm is
 * there). The extension may be created by a DBA after the schema was; the index is then built
 * at the next start, here, without holding up writers.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { Capabilities } from './capabilities.ts';

export const TRIGRAM_INDEX = 'people_search_text_trgm_idx';

/**
 * Builds the index if it is missing or was left invalid by an interrupted build. Looked up in
 * the catalogue first: CREATE INDEX IF NOT EXISTS would take its lock before checking, and wait
 * behind a long import. Built CONCURRENTLY, so people stay writable meanwhile.
 */
export async function ensureTrigramIndex(db: Kysely<DB>, caps: Capabilities): Promise<void> {
  if (!caps.trigramSearch) return;
  const found = await sql<{ valid: boolean }>`
    SELECT i.indisvalid AS valid FROM pg_index i
    WHERE i.indexrelid = to_regclass(${TRIGRAM_INDEX})`.execute(db);
  const existing = found.rows[0];
  if (existing?.valid) return;
  if (existing) await sql`DROP INDEX CONCURRENTLY IF EXISTS ${sql.id(TRIGRAM_INDEX)}`.execute(db);
  try {
    await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${sql.id(TRIGRAM_INDEX)}
      ON people_search USING gin (search_text gin_trgm_ops)`.execute(db);
  } catch (err) {
    // Another server starting at the same moment is building it.
    if (!caps.uniqueViolation(err)) throw err;
  }
}
