import { sql, type Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';
import { createTrigramIndex } from '../search-index.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * people_search on PostgreSQL as well (SQLite has had it since 0004): a narrow copy of
 * people.search_text, with the trigram index moved onto it. A term that matches most people
 * ("o") cannot use a trigram index, so its count scans: 30 MB of wide rows whose search_text
 * is the last of 34 columns (~32 ms for 100,000 people) against ~8 MB of (id, text) (~14 ms).
 *
 * Kept exact in the same transaction by statement-level triggers over transition tables: one
 * INSERT … SELECT per statement, so a bulk insert of 100 people runs its trigger once, not 100
 * times. A person's id never changes, so updates copy the text by id.
 */
export async function up(db: Kysely<any>, caps: Capabilities): Promise<void> {
  if (caps.engine !== 'postgres') return;
  // Other servers may be running (a rolling deploy): no person may be written between the copy
  // below and the triggers, or it would be missing from search for good. Reads go on; the lock
  // lasts until the migrations commit.
  await sql`LOCK TABLE people IN SHARE ROW EXCLUSIVE MODE`.execute(db);
  await sql`CREATE TABLE people_search (id integer PRIMARY KEY, search_text text NOT NULL)`.execute(
    db,
  );
  await sql`INSERT INTO people_search (id, search_text) SELECT id, search_text FROM people`.execute(
    db,
  );
  if (caps.trigramSearch) await createTrigramIndex(db, false);
  await sql`DROP INDEX IF EXISTS people_search_trgm_idx`.execute(db);
  await sql`CREATE FUNCTION people_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO people_search (id, search_text) SELECT id, search_text FROM inserted;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER people_search_insert AFTER INSERT ON people
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
    EXECUTE FUNCTION people_search_inserted()`.execute(db);
  await sql`CREATE FUNCTION people_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE people_search s SET search_text = u.search_text
        FROM updated u WHERE s.id = u.id AND s.search_text IS DISTINCT FROM u.search_text;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER people_search_update AFTER UPDATE ON people
    REFERENCING NEW TABLE AS updated FOR EACH STATEMENT
    EXECUTE FUNCTION people_search_updated()`.execute(db);
  await sql`CREATE FUNCTION people_search_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM people_search s USING deleted d WHERE s.id = d.id;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER people_search_delete AFTER DELETE ON people
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
    EXECUTE FUNCTION people_search_deleted()`.execute(db);
  await sql`ANALYZE people_search`.execute(db);
}
