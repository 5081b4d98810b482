import { sql, type Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * Identity links (external_identities) kept in their key's order where the engine can (SQLite
 * WITHOUT ROWID), issue 9 §5: every account a directory sync, a SCIM create or an SSO login
 * makes writes one link, and on SQLite each b-tree an insert touches is at least one page of
 * the commit. The rowid table with its (provider, external_id) key beside it was two b-trees;
 * keyed by (provider, external_id) it is one, with the person index. A SCIM create wrote
 * 35.5 pages a commit, now 34.8 (docs/benchmarks.md session 10); links are small rows, read
 * by that key or through the person index, never in rowid order.
 *
 * PostgreSQL's tables are heaps beside their keys (capability keyOrderedTables): nothing to do.
 */
export async function up(db: Kysely<any>, caps: Capabilities): Promise<void> {
  if (!caps.keyOrderedTables) return;
  // The person index's name is taken again by the new table; the old table goes whole.
  await db.schema.dropIndex('external_identities_person_idx').execute();
  await db.schema.alterTable('external_identities').renameTo('external_identities_0001').execute();
  await db.schema
    .createTable('external_identities')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'integer', (c) =>
      c.notNull().references('people.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('external_identities_pk', ['provider', 'external_id'])
    .modifyEnd(sql`without rowid`)
    .execute();
  await sql`INSERT INTO external_identities (provider, external_id, person_id, created_at)
    SELECT provider, external_id, person_id, created_at FROM external_identities_0001`.execute(db);
  await db.schema
    .createIndex('external_identities_person_idx')
    .on('external_identities')
    .column('person_id')
    .execute();
  await db.schema.dropTable('external_identities_0001').execute();
}
