/**
 * Opens the database (embedded SQLite by default, PostgreSQL with DATABASE_URL), applies
 * engine settings, and runs migrations with Kysely's migrator.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  type Migration,
  type MigrationProvider,
} from 'kysely';
import type Pg from 'pg';
import type { DB } from './schema.ts';
import { withStatementCache } from './statement-cache.ts';
import { DirectSqliteDialect } from './sqlite-dialect.ts';
import { postgresCapabilities, sqliteCapabilities, type Capabilities } from './capabilities.ts';
import * as m0001 from './migrations/0001_initial.ts';
import * as m0002 from './migrations/0002_imports.ts';
import * as m0003 from './migrations/0003_people_paging.ts';
import * as m0004 from './migrations/0004_people_search.ts';
import * as m0005 from './migrations/0005_people_state_frozen.ts';
import * as m0006 from './migrations/0006_people_id_state.ts';
import * as m0007 from './migrations/0007_people_search_postgres.ts';
import * as m0008 from './migrations/0008_directories.ts';
import * as m0009 from './migrations/0009_identity_providers.ts';
import * as m0010 from './migrations/0010_saml_replay.ts';
import * as m0011 from './migrations/0011_scim.ts';
import * as m0012 from './migrations/0012_imports_runner.ts';
import * as m0013 from './migrations/0013_directory_groups.ts';
import * as m0015 from './migrations/0015_sso_browser_binding.ts';
import * as m0016 from './migrations/0016_directory_runs_runner.ts';
import * as m0017 from './migrations/0017_people_tally.ts';
import * as m0018 from './migrations/0018_scim_compact.ts';
import * as m0019 from './migrations/0019_identity_links_keyed.ts';
import { ensureTrigramIndex } from './search-index.ts';
import { prepareLookups } from './prepared.ts';

export interface Store {
  db: Kysely<DB>;
  caps: Capabilities;
  /** Where the data lives, for logs (never includes a password). */
  location: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** For tests and benchmarks: a file name inside dataDir (default gatehouse.db). */
  sqliteFile?: string;
  poolSize?: number;
}

/**
 * Each engine's driver is loaded when a store of that engine is opened: the CLI starts for
 * every command, and loading pg on the SQLite default (or better-sqlite3 on PostgreSQL) was
 * a tenth of a `gatehouse users list` start (bench/startup.bench.ts).
 */
async function loadPg(): Promise<typeof Pg> {
  const pg = (await import('pg')).default;
  // int8 (COUNT(*), bigint) as a JS number: our ids and counts stay far below 2^53.
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
  return pg;
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  if (opts.databaseUrl) {
    const pg = await loadPg();
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10 });
    // An idle connection that the server drops (a restart, an administrator's terminate) emits
    // 'error' on the pool; unhandled, that would crash the process. The pool replaces the
    // connection by itself, so a warning is all it needs.
    pool.on('error', (err) => {
      console.warn(`gatehouse: PostgreSQL connection lost (${err.message}); it will be replaced.`);
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    prepareLookups(pool);
    let trigram = false;
    try {
      await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
      trigram = true;
    } catch {
      trigram = false; // search still works, without the trigram index
    }
    const url = new URL(opts.databaseUrl);
    url.password = url.password ? '***' : '';
    return {
      db,
      caps: postgresCapabilities(trigram),
      location: url.toString(),
      close: () => db.destroy(),
    };
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const file = path.join(opts.dataDir, opts.sqliteFile ?? 'gatehouse.db');
  const { default: SQLite } = await import('better-sqlite3');
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // 16 MiB of page cache: reads of a 100,000-person directory are as fast from the OS cache
  // (measured in bench/), 100,000-row imports are not slower, and the server's memory
  // stays within its budget (64 MiB filled up under list and search load).
  database.pragma('cache_size = -16384');
  // Statements are prepared once and reused (see statement-cache.ts: a hot-path cost); compiled
  // lookups run at once when the connection is free (sqlite-dialect.ts).
  const db = new Kysely<DB>({ dialect: new DirectSqliteDialect(withStatementCache(database)) });
  return { db, caps: sqliteCapabilities, location: file, close: () => db.destroy() };
}

class StaticMigrations implements MigrationProvider {
  constructor(private readonly caps: Capabilities) {}
  getMigrations(): Promise<Record<string, Migration>> {
    const caps = this.caps;
    return Promise.resolve({
      '0001_initial': { up: (db) => m0001.up(db, caps) },
      '0002_imports': { up: (db) => m0002.up(db, caps) },
      '0003_people_paging': { up: (db) => m0003.up(db, caps) },
      '0004_people_search': { up: (db) => m0004.up(db, caps) },
      '0005_people_state_frozen': { up: (db) => m0005.up(db, caps) },
      '0006_people_id_state': { up: (db) => m0006.up(db, caps) },
      '0007_people_search_postgres': { up: (db) => m0007.up(db, caps) },
      '0008_directories': { up: (db) => m0008.up(db, caps) },
      '0009_identity_providers': { up: (db) => m0009.up(db, caps) },
      '0010_saml_replay': { up: (db) => m0010.up(db) },
      '0011_scim': { up: (db) => m0011.up(db, caps) },
      '0012_imports_runner': { up: (db) => m0012.up(db) },
      '0013_directory_groups': { up: (db) => m0013.up(db, caps) },
      '0015_sso_browser_binding': { up: (db) => m0015.up(db) },
      '0016_directory_runs_runner': { up: (db) => m0016.up(db) },
      '0017_people_tally': { up: (db) => m0017.up(db, caps) },
      '0018_scim_compact': { up: (db) => m0018.up(db, caps) },
      '0019_identity_links_keyed': { up: (db) => m0019.up(db, caps) },
    });
  }
}

/**
 * Brings the schema up to date (or up to the migration named `upTo`, for tests of a migration
 * on a database that already holds data); returns the names of migrations applied now.
 */
export async function migrate(store: Store, upTo?: string): Promise<string[]> {
  const provider = new StaticMigrations(store.caps);
  if (upTo === undefined && (await upToDate(store, provider))) {
    await ensureTrigramIndex(store.db, store.caps);
    return [];
  }
  const migrator = new Migrator({ db: store.db, provider });
  const { error, results } =
    upTo === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(upTo);
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `Database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      { cause: error },
    );
  }
  if (upTo === undefined) await ensureTrigramIndex(store.db, store.caps);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Whether every migration is applied already, read with one query of Kysely's migration
 * table. Why: Kysely's migrator first lists every table and column of the database to find
 * its own (on PostgreSQL a catalogue query whose answer is most of a CLI command's start-up,
 * bench/startup.bench.ts), and the CLI opens the store for every command. Anything else
 * (no table yet, a migration missing, an unknown one) goes to the migrator, which applies,
 * locks and refuses as it always does.
 */
async function upToDate(store: Store, provider: MigrationProvider): Promise<boolean> {
  const wanted = Object.keys(await provider.getMigrations()).sort();
  try {
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(
      store.db,
    );
    const applied = rows.map((r) => r.name).sort();
    return applied.length === wanted.length && applied.every((n, i) => n === wanted[i]);
  } catch {
    return false;
  }
}

export async function ping(store: Store): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}
