import type { Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * A narrow index on people.id where the engine needs one for paging (SQLite): the list's page
 * of ids at offset 99,800 is then read from ~300 index pages instead of ~13,000 table pages,
 * which keeps GET /users fast at any offset without a large page cache (bench/api.bench.ts).
 */
export async function up(db: Kysely<any>, caps: Capabilities): Promise<void> {
  if (!caps.pagingIdIndex) return;
  await db.schema.createIndex('people_id_idx').on('people').column('id').execute();
}
