/**
 * Kysely's SQLite dialect with one addition: a statement can be run at once, without going
 * through Kysely's executor, when no one holds the connection.
 *
 * Why: a compiled lookup (compiled-lookup.ts) through Kysely's executor waits for the
 * connection's mutex, runs the statement, transforms the result and releases the mutex: a
 * chain of promises about as long as running the statement itself (5–6 µs of 12–17 µs for
 * the API key and for the person of `GET /users/{id}`, a tenth of the request's CPU in
 * bench/api.bench.ts). better-sqlite3 runs statements synchronously, so when the connection
 * is free the same statement can simply be run now: it gives the same rows as the executor
 * would once it had the mutex.
 *
 * What keeps the mutex's rule: a request holding the connection (a transaction between its
 * awaits, or a stream) must not have another request's statement run inside it, where it
 * would read uncommitted rows or break the stream. The driver counts who holds the
 * connection from Kysely's acquireConnection to releaseConnection, and better-sqlite3 says
 * whether a transaction is open on it; a statement is run at once only when neither is so,
 * otherwise it goes through the executor and waits its turn, as before.
 */
import type SQLite from 'better-sqlite3';
import { SqliteDialect, type DatabaseConnection, type DialectAdapter, type Driver } from 'kysely';
import type { QueryCompiler, SqliteDatabase, TransactionSettings } from 'kysely';

/** What the direct path needs of the database: the statements, and whether a transaction is open. */
export interface DirectDatabase extends SqliteDatabase {
  readonly inTransaction: boolean;
  /** A statement of the direct path's own, not the one Kysely's queries share. */
  prepareOwn(sql: string): SQLite.Statement;
}

export interface DirectReads {
  /**
   * The statement's rows (none for a statement that returns none) if it could be run at once;
   * undefined when the connection is held, and the caller must go through Kysely. For the
   * compiled statements (a fixed few): each is kept, prepared, for the life of the database.
   */
  runNow(sql: string, parameters: readonly unknown[]): unknown[] | undefined;
}

/**
 * A statement whose rows are read as arrays and made into objects here. better-sqlite3 makes
 * a row object in C++ one property at a time, about 4 µs for a person's 28 columns; the same
 * object made in JavaScript, with the columns always in one order, costs under 1 µs. The rows
 * are the same: the names of the statement's columns, in their order, with the same values.
 */
interface OwnStatement {
  stmt: SQLite.Statement;
  names: string[] | null;
}

function ownStatement(database: DirectDatabase, sql: string): OwnStatement {
  const stmt = database.prepareOwn(sql);
  if (!stmt.reader) return { stmt, names: null };
  stmt.raw(true);
  return { stmt, names: stmt.columns().map((c) => c.name) };
}

function rowsOf(own: OwnStatement, parameters: readonly unknown[]): unknown[] {
  const { stmt, names } = own;
  if (names === null) {
    stmt.run(parameters);
    return [];
  }
  const values = stmt.all(parameters) as unknown[][];
  return values.map((v) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = v[i];
    return row;
  });
}

/** Dialect adapters of databases opened with this dialect: one per Kysely instance. */
const byAdapter = new WeakMap<DialectAdapter, DirectReads>();

/** The direct path of the Kysely instance whose executor has `adapter`, if it has one. */
export function directReadsOf(adapter: DialectAdapter): DirectReads | undefined {
  return byAdapter.get(adapter);
}

export class DirectSqliteDialect extends SqliteDialect {
  readonly #database: DirectDatabase;
  readonly #statements = new Map<string, OwnStatement>();
  #holders = 0;

  constructor(database: DirectDatabase) {
    super({ database });
    this.#database = database;
  }

  override createAdapter(): DialectAdapter {
    const adapter = super.createAdapter();
    byAdapter.set(adapter, {
      runNow: (sql, parameters) => {
        if (this.#holders > 0 || this.#database.inTransaction) return undefined;
        let own = this.#statements.get(sql);
        if (!own) this.#statements.set(sql, (own = ownStatement(this.#database, sql)));
        // As Kysely's SQLite connection runs a statement (executeQuery): rows of a reader.
        return rowsOf(own, parameters);
      },
    });
    return adapter;
  }

  override createDriver(): Driver {
    const inner = super.createDriver();
    // Counted from the moment Kysely has the connection until it gives it back.
    return {
      init: () => inner.init(),
      acquireConnection: async () => {
        const connection = await inner.acquireConnection();
        this.#holders++;
        return connection;
      },
      releaseConnection: async (connection: DatabaseConnection) => {
        this.#holders--;
        await inner.releaseConnection(connection);
      },
      beginTransaction: (c: DatabaseConnection, settings: TransactionSettings) =>
        inner.beginTransaction(c, settings),
      commitTransaction: (c: DatabaseConnection) => inner.commitTransaction(c),
      rollbackTransaction: (c: DatabaseConnection) => inner.rollbackTransaction(c),
      savepoint: (c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']) =>
        inner.savepoint!(c, name, compile),
      rollbackToSavepoint: (
        c: DatabaseConnection,
        name: string,
        compile: QueryCompiler['compileQuery'],
      ) => inner.rollbackToSavepoint!(c, name, compile),
      releaseSavepoint: (
        c: DatabaseConnection,
        name: string,
        compile: QueryCompiler['compileQuery'],
      ) => inner.releaseSavepoint!(c, name, compile),
      destroy: () => inner.destroy(),
    };
  }
}
