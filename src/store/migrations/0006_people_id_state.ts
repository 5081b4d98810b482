import type { Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * An index on (id, state) for the list that readers who are not administrators see: everyone
 * but blocked accounts, in id order. With the state in the index, their page at offset 99,800
 * is found from the index alone instead of reading every row before it (bench/api.bench.ts,
 * "as a user without grants"; on PostgreSQL once the table is vacuumed, an index-only scan:
 * ~25 ms → ~9 ms for that page). On SQLite it replaces the narrow paging index on id (0003),
 * which it serves as well.
 */
export async function up(db: Kysely<any>, caps: Capabilities): Promise<void> {
  await db.schema
    .createIndex('people_id_state_idx')
    .on('people')
    .columns(['id', 'state'])
    .execute();
  if (caps.pagingIdIndex) await db.schema.dropIndex('people_id_idx').execute();
}
