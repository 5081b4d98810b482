/**
 * The engine settings of a bulk write (a people batch's one transaction).
 *
 * On SQLite, a statement that writes several rows inside a transaction that already holds
 * changes keeps a statement journal: the page images it changes, so that it alone can be undone
 * if it fails half-way. SQLite keeps that journal in memory up to 64 KiB, then in a temporary
 * file; a multi-row insert of people (twelve indexes and the search trigger) changes far more,
 * so a 100,000-row CSV apply wrote 1.5 GB to temporary files, page by page (750,000 writes,
 * about 0.9 s of system CPU out of 8.5 s). `temp_store = MEMORY` keeps statement journals in
 * memory: a statement's journal is freed when it ends (a few MB at most for a slice of the
 * batch), and no row written changes. SQLite decides where a transaction's statement journals
 * go when its write transaction begins, so the setting is made before the transaction opens
 * and undone after it ends. Only for bulk writes: the same setting would also keep the
 * server's large sorts and temporary indexes in memory, which the server's memory budget
 * leaves to files. Changing temp_store also drops the connection's temporary tables, indexes,
 * triggers and views; Gatehouse makes none.
 *
 * PostgreSQL has no statement journal (its undo is the rows' versions): nothing to set.
 */
import { sql } from 'kysely';
import type { Store } from './database.ts';

/** Bulk writes running per database handle (an import and a sync may overlap). */
const running = new WeakMap<object, number>();

/** Runs `write` (which opens and ends its own transaction) with the engine's bulk-write settings. */
export async function inBulkWrite<T>(store: Store, write: () => Promise<T>): Promise<T> {
  if (store.caps.engine !== 'sqlite') return write();
  const db = store.db;
  const before = running.get(db) ?? 0;
  running.set(db, before + 1);
  try {
    if (before === 0) await sql`PRAGMA temp_store = MEMORY`.execute(db);
    return await write();
  } finally {
    const left = (running.get(db) ?? 1) - 1;
    running.set(db, left);
    // Back to the connection's default (files) once no bulk write runs. A failure here would
    // leave only the memory setting in place; it must not hide the write's own outcome.
    if (left === 0) await sql`PRAGMA temp_store = DEFAULT`.execute(db).catch(() => undefined);
  }
}
