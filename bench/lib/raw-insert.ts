/**
 * The raw baseline of the write figures: the rows a product run wrote (people, their
 * memberships and their audit events), inserted into a fresh copy of the same migrated
 * database with plain prepared statements, one INSERT per row, in one transaction.
 * better-sqlite3 on SQLite (the server's pragmas), pg named prepared statements on PostgreSQL.
 *
 * A template database is migrated and seeded once; every run, product or raw, gets its own
 * copy of it (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL), so both
 * sides start from the same state.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { freshDatabase, type TestEngine } from '../../test/helpers/engine.ts';

const ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SQLITE_FILE = 'gatehouse.db';

/** The tables whose new rows a write figure's baseline inserts, in foreign-key order. */
const WRITTEN = ['people', 'group_members', 'role_members', 'external_identities', 'audit_events'];

export interface DatabaseCopy {
  engine: TestEngine;
  /** Environment that points an App, the server or the CLI at this copy. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export interface TemplateDatabase {
  engine: TestEngine;
  copy(): Promise<DatabaseCopy>;
  drop(): Promise<void>;
}

async function adminQuery(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** A migrated database, seeded by `seed` (groups, roles… the product run needs), to copy. */
export async function templateDatabase(
  engine: TestEngine,
  seed: (app: App) => Promise<void> = async () => {},
): Promise<TemplateDatabase> {
  const fresh = await freshDatabase(engine);
  const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...fresh.env }));
  try {
    await seed(app);
  } finally {
    await app.close(); // SQLite: checkpoints the WAL into the file
  }
  const dataDir = fresh.env.GATEHOUSE_DATA_DIR;
  const pgName = fresh.env.DATABASE_URL ? new URL(fresh.env.DATABASE_URL).pathname.slice(1) : '';
  return {
    engine,
    drop: () => fresh.drop(),
    async copy(): Promise<DatabaseCopy> {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
      const rmDir = () => fs.rmSync(dir, { recursive: true, force: true });
      if (engine === 'sqlite') {
        // The whole data folder: the database and the secret key made at first use.
        fs.cpSync(dataDir, dir, { recursive: true });
        return { engine, env: { GATEHOUSE_DATA_DIR: dir }, drop: () => Promise.resolve(rmDir()) };
      }
      const name = `gh_test_${randomBytes(6).toString('hex')}`;
      await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${pgName}`);
      const url = new URL(ADMIN_URL);
      url.pathname = `/${name}`;
      return {
        engine,
        env: { DATABASE_URL: url.toString(), GATEHOUSE_DATA_DIR: dir },
        async drop() {
          await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          rmDir();
        },
      };
    },
  };
}

type Rows = Record<string, unknown>[];

/** A connection to a copy, for plain SQL: all rows of a table, and a timed raw insert. */
interface Plain {
  all(table: string): Promise<Rows>;
  insertAll(tables: { table: string; rows: Rows }[]): Promise<void>;
  close(): Promise<void>;
}

/** How the raw side runs; the figures' baseline is the default (the server's pragmas only). */
export interface RawOptions {
  /**
   * SQLite only: statement journals in memory (`temp_store = MEMORY`), as the product's own
   * batch writes set them (src/store/bulk-write.ts). An information row, not the baseline:
   * a plain implementation would not set it, and issue 11 defines the raw insert as plain.
   */
  tempStoreMemory?: boolean;
}

function plainSqlite(env: Record<string, string>, options: RawOptions = {}): Plain {
  const db = new Database(path.join(env.GATEHOUSE_DATA_DIR!, SQLITE_FILE));
  // The server's pragmas (src/store/database.ts).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -16384');
  if (options.tempStoreMemory) db.pragma('temp_store = MEMORY');
  return {
    all: (table) => Promise.resolve(db.prepare(`SELECT * FROM ${table}`).all() as Rows),
    insertAll(tables) {
      db.transaction(() => {
        for (const { table, rows } of tables) {
          const cols = Object.keys(rows[0]!);
          const insert = db.prepare(
            `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
          );
          for (const r of rows) insert.run(cols.map((c) => r[c]));
        }
      })();
      return Promise.resolve();
    },
    close: () => Promise.resolve(void db.close()),
  };
}

async function plainPostgres(env: Record<string, string>): Promise<Plain> {
  const c = new pg.Client({ connectionString: env.DATABASE_URL });
  await c.connect();
  return {
    all: async (table) => (await c.query(`SELECT * FROM ${table}`)).rows as Rows,
    async insertAll(tables) {
      await c.query('BEGIN');
      for (const { table, rows } of tables) {
        const cols = Object.keys(rows[0]!);
        const text = `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`;
        const name = `raw_insert_${table}`;
        for (const r of rows) await c.query({ name, text, values: cols.map((col) => r[col]) });
      }
      await c.query('COMMIT');
    },
    close: () => c.end(),
  };
}

const plain = (copy: DatabaseCopy, options?: RawOptions) =>
  copy.engine === 'sqlite'
    ? Promise.resolve(plainSqlite(copy.env, options))
    : plainPostgres(copy.env);

/** What a product run wrote: the rows of WRITTEN tables that the template did not hold. */
export interface Written {
  tables: { table: string; rows: Rows }[];
  count: number;
}

/**
 * The new rows of `after` (a copy a product run wrote into) against `before` (an untouched
 * copy of the same template), in foreign-key order.
 */
export async function capturedWrites(before: DatabaseCopy, after: DatabaseCopy): Promise<Written> {
  const a = await plain(after);
  const b = await plain(before);
  try {
    const tables: Written['tables'] = [];
    for (const table of WRITTEN) {
      const old = new Set((await b.all(table)).map((r) => JSON.stringify(r)));
      const rows = (await a.all(table)).filter((r) => !old.has(JSON.stringify(r)));
      // In id order: a person's manager is inserted before the person.
      if (rows[0] && 'id' in rows[0]) rows.sort((x, y) => Number(x.id) - Number(y.id));
      if (rows.length > 0) tables.push({ table, rows });
    }
    return { tables, count: tables.reduce((n, t) => n + t.rows.length, 0) };
  } finally {
    await a.close();
    await b.close();
  }
}

/** Seconds to insert `written` into `copy` (the connection is opened before the clock starts). */
export async function rawInsert(
  copy: DatabaseCopy,
  written: Written,
  options?: RawOptions,
): Promise<number> {
  const p = await plain(copy, options);
  try {
    const t0 = performance.now();
    await p.insertAll(written.tables);
    return (performance.now() - t0) / 1000;
  } finally {
    await p.close();
  }
}

/** "people 100,000, audit_events 100,001": what the baseline inserts. */
export function describeWritten(w: Written): string {
  return w.tables.map((t) => `${t.table} ${t.rows.length.toLocaleString('en-GB')}`).join(', ');
}
