import { sql, type Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * people_search on SQLite: a narrow copy of people.search_text in id order, where substring
 * search scans it. Searching 100,000 people then reads about 8 MB instead of the whole table
 * (about 120 MB): ~30 ms → ~9 ms for a term few people match. Triggers keep it exact in the
 * same transaction as every write to people; an insert is an append, so bulk creation stays
 * as fast (an index on search_text cost a quarter more). PostgreSQL had its trigram index on
 * people (0001) until it got the same table, with the index on it, in 0007.
 */
export async function up(db: Kysely<any>, caps: Capabilities): Promise<void> {
  // SQLite's trigger syntax; PostgreSQL gets the same table in 0007.
  if (caps.engine !== 'sqlite') return;
  await db.schema
    .createTable('people_search')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO people_search (id, search_text) SELECT id, search_text FROM people`.execute(
    db,
  );
  await sql`CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN
    INSERT INTO people_search (id, search_text) VALUES (new.id, new.search_text);
  END`.execute(db);
  await sql`CREATE TRIGGER people_search_update AFTER UPDATE OF search_text ON people BEGIN
    UPDATE people_search SET search_text = new.search_text WHERE id = new.id;
  END`.execute(db);
  await sql`CREATE TRIGGER people_search_delete AFTER DELETE ON people BEGIN
    DELETE FROM people_search WHERE id = old.id;
  END`.execute(db);
}
