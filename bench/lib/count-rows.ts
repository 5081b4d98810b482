/**
 * Plain row counts of a benchmark's database, read beside the running server (SQLite in WAL
 * mode allows a reader; PostgreSQL is a second client): for checks such as "this run wrote no
 * audit events", which must not trust the product's own report.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

/** The number of rows of `table` in the database `env` points at (DATABASE_URL or the data folder). */
export async function countRows(env: Record<string, string>, table: string): Promise<number> {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`not a table name: ${table}`);
  if (env.DATABASE_URL) {
    const c = new pg.Client({ connectionString: env.DATABASE_URL });
    await c.connect();
    try {
      const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      return Number(r.rows[0]!.n);
    } finally {
      await c.end();
    }
  }
  const db = new Database(path.join(env.GATEHOUSE_DATA_DIR!, 'gatehouse.db'), {
    readonly: true,
  });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
