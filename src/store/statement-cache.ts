/**
 * better-sqlite3 with prepared statements kept and reused by SQL text.
 *
 * Why: Kysely's SQLite driver prepares every query anew, and preparing a statement costs about
 * as much as running a short one (18% of the server's CPU time in the GET /users/{id}
 * benchmark, bench/api.bench.ts). Reusing statements changes no result: SQLite re-prepares a
 * statement by itself when the schema changes, and Kysely runs one query at a time on the
 * single SQLite connection (its connection mutex), so a statement is never used twice at once.
 * The cache is bounded (least recently used out) and skips long SQL (bulk inserts, long IN
 * lists), which is rarely repeated.
 */
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

const MAX_STATEMENTS = 256;
const MAX_SQL_LENGTH = 2000;

export function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => void database.close(),
    prepare(sql: string) {
      const hit = cache.get(sql);
      if (hit) {
        // Move to the back: the Map's order is the recency order.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = database.prepare(sql);
      if (sql.length <= MAX_SQL_LENGTH) {
        cache.set(sql, stmt);
        if (cache.size > MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
  };
}
