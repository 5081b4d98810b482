/**
 * better-sqlite3 with prepared statements kept and reused by SQL text.
 *
 * Why: Kysely's SQLite driver prepares every query anew, and preparing a statement costs about
 * as much as running a short one (18% of the server's CPU time in the GET /users/{id}
 * benchmark, bench/api.bench.ts). Reusing statements changes no result: SQLite re-prepares a
 * statement by itself when the schema changes, and Kysely runs one query at a time on the
 * single SQLite connection (its connection mutex), so a statement is never used twice at once.
 *
 * Two bounded caches, least recently used out: many short statements, and a few long ones.
 * A bulk write sends the same long statement for every full chunk of rows (an insert of 100
 * people, an IN list of 4,000 keys); preparing it each time was 5% of a 100,000-row CSV
 * import. Longer SQL than that is not kept.
 */
import type SQLite from 'better-sqlite3';
import type { DirectDatabase } from './sqlite-dialect.ts';

const SHORT_SQL = 2000;
const SHORT_STATEMENTS = 256;
const LONG_SQL = 200_000;
const LONG_STATEMENTS = 8;

class Lru {
  private readonly entries = new Map<string, SQLite.Statement>();
  constructor(private readonly capacity: number) {}

  get(sql: string): SQLite.Statement | undefined {
    const hit = this.entries.get(sql);
    if (hit) {
      // Move to the back: the Map's order is the recency order.
      this.entries.delete(sql);
      this.entries.set(sql, hit);
    }
    return hit;
  }

  set(sql: string, stmt: SQLite.Statement): void {
    this.entries.set(sql, stmt);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

export function withStatementCache(database: SQLite.Database): DirectDatabase {
  const short = new Lru(SHORT_STATEMENTS);
  const long = new Lru(LONG_STATEMENTS);
  return {
    close: () => void database.close(),
    get inTransaction() {
      return database.inTransaction;
    },
    prepareOwn: (sql) => database.prepare(sql),
    prepare(sql: string) {
      const cache = sql.length <= SHORT_SQL ? short : sql.length <= LONG_SQL ? long : null;
      const hit = cache?.get(sql);
      if (hit) return hit;
      const stmt = database.prepare(sql);
      cache?.set(sql, stmt);
      return stmt;
    },
  };
}
