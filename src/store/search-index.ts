/**
 * The trigram index of substring search on PostgreSQL (made by migration 0007 when pg_trgm is
 * there). The extension may be created by a DBA after the schema was; the index is then built
 * at the next start, here, without holding up writers.
 */
import { sql, type Kysely, type QueryExecutorProvider } from 'kysely';
import type { DB } from './schema.ts';
import type { Capabilities } from './capabilities.ts';

export const TRIGRAM_INDEX = 'people_search_text_trgm_idx';

/** Builds the index: CONCURRENTLY outside a transaction, plainly inside one (a migration). */
export async function createTrigramIndex(
  db: QueryExecutorProvider,
  concurrently: boolean,
): Promise<void> {
  await sql`CREATE INDEX ${sql.raw(concurrently ? 'CONCURRENTLY IF NOT EXISTS' : '')} ${sql.id(TRIGRAM_INDEX)}
    ON people_search USING gin (search_text gin_trgm_ops)`.execute(db);
}

/**
 * Builds the index if it is missing. Looked up in the catalogue first: CREATE INDEX IF NOT
 * EXISTS would take its lock before checking, and wait behind a long import. Built
 * CONCURRENTLY, so people stay writable meanwhile. An index that exists but is not valid is
 * left alone: it may be another server's build in progress. (One left invalid by an
 * interrupted build is dropped by hand, and the next start builds it: docs/operations.md.)
 */
export async function ensureTrigramIndex(db: Kysely<DB>, caps: Capabilities): Promise<void> {
  if (!caps.trigramSearch) return;
  const found = await sql<{ present: boolean }>`
    SELECT to_regclass(${TRIGRAM_INDEX}) IS NOT NULL AS present`.execute(db);
  if (found.rows[0]?.present) return;
  try {
    await createTrigramIndex(db, true);
  } catch (err) {
    // Another server starting at the same moment is building it.
    if (!caps.uniqueViolation(err)) throw err;
  }
}
