/**
 * Rows as arrays (one value a column, in the select's order) rather than objects, for a
 * lookup that reads many rows and compares them by position.
 *
 * Why: building one object a row was the largest item of a sync run that changes nothing
 * (the plan reads 17 columns of every linked account: docs/benchmarks.md, session 7), and
 * both engines' clients can return arrays instead (better-sqlite3's `raw` mode, pg's
 * `rowMode: 'array'`), which Kysely does not offer. The query still goes through Kysely and
 * its connection (so inside a transaction it sees the transaction's writes): its SQL starts
 * with a marker comment, which the engine's client, wrapped when the store opens, turns
 * into array mode. A database handle opened without the wrapping returns objects, and
 * `arrayRows` turns those into arrays itself, so its callers get arrays either way.
 */
import type pg from 'pg';
import type { Compilable } from 'kysely';
import type { Executor } from './people-repo.ts';

/** Leads the SQL of a query whose rows are wanted as arrays. */
export const ARRAY_ROWS_MARK = '/* gatehouse:array-rows */ ';

export function wantsArrayRows(sql: string): boolean {
  return sql.startsWith(ARRAY_ROWS_MARK);
}

/** The query's rows, each an array of its selected columns' values in order. */
export async function arrayRows(
  db: Executor,
  query: Compilable,
  columns: readonly string[],
): Promise<unknown[][]> {
  const compiled = query.compile();
  const result = await db.executeQuery<unknown>({
    ...compiled,
    sql: ARRAY_ROWS_MARK + compiled.sql,
  });
  return result.rows.map((r) =>
    Array.isArray(r) ? (r as unknown[]) : columns.map((c) => (r as Record<string, unknown>)[c]),
  );
}

type Query = (...args: unknown[]) => unknown;

/** Makes the pool's connections return a marked query's rows as arrays. */
export function arrayRowsOnPool(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as Query;
    (client as unknown as { query: Query }).query = (...args: unknown[]) => {
      const [text, values] = args;
      return typeof text === 'string' && wantsArrayRows(text)
        ? query({ text, values, rowMode: 'array' })
        : query(...args);
    };
  });
}
