/**
 * Multi-row INSERTs for batches (CSV imports, directory syncs), sent as SQL text with a flat
 * list of parameters instead of through Kysely's query builder.
 *
 * Why: Kysely parses every row object into a query tree and compiles the tree back to text for
 * each statement. For 100,000 new people (and their 100,000 audit events) that was about a
 * sixth of the whole batch on SQLite (bench/core.bench.ts). The text of a statement depends
 * only on the table, its columns and the number of rows, so it is made once and kept; the
 * same string then also finds its prepared statement at once (statement-cache.ts).
 */
import { CompiledQuery } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { Executor } from './people-repo.ts';

/**
 * A list of every column of `Row` but its generated id, checked when compiled: a column added
 * to the table and left out of the list is a type error naming it, not a silent default.
 */
export function everyColumn<Row>() {
  return <const C extends readonly (keyof Row & string)[]>(
    columns: C &
      (Exclude<keyof Row, 'id' | C[number]> extends never
        ? unknown
        : { missing: Exclude<keyof Row, 'id' | C[number]> }),
  ): C => columns;
}

/** Statement texts kept: a full chunk per table, and the odd sizes of last chunks. */
const TEXTS_KEPT = 32;
const texts = new Map<string, string>();

function statementText(
  caps: Capabilities,
  table: string,
  columns: readonly string[],
  rowCount: number,
  returningId: boolean,
): string {
  const key = `${caps.engine}|${table}|${columns.join(',')}|${rowCount}|${returningId}`;
  const known = texts.get(key);
  if (known !== undefined) return known;
  const tuples: string[] = [];
  let n = 0;
  for (let r = 0; r < rowCount; r++) {
    const marks: string[] = [];
    for (let c = 0; c < columns.length; c++) marks.push(caps.placeholder(++n));
    tuples.push(`(${marks.join(', ')})`);
  }
  const text =
    `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}` +
    (returningId ? ' returning "id"' : '');
  texts.set(key, text);
  if (texts.size > TEXTS_KEPT) texts.delete(texts.keys().next().value!);
  return text;
}

/**
 * Inserts `rows` into `table`, `columns` of each (every row must hold every column: a missing
 * value is an error, not a column default), in statements of at most `maxParameters`
 * parameters. Returns the new ids in row order when `returningId` is set.
 */
export async function bulkInsert<Row extends object>(
  db: Executor,
  caps: Capabilities,
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: readonly Row[],
  opts: { maxParameters: number; returningId: boolean },
): Promise<number[]> {
  const perChunk = Math.max(
    1,
    Math.floor(Math.min(opts.maxParameters, caps.maxParameters) / columns.length),
  );
  const ids: number[] = [];
  for (let start = 0; start < rows.length; start += perChunk) {
    const end = Math.min(rows.length, start + perChunk);
    const parameters: unknown[] = [];
    for (let r = start; r < end; r++) {
      const row = rows[r]!;
      for (const column of columns) {
        const value = row[column];
        if (value === undefined)
          throw new Error(`bulkInsert into ${table}: row ${r} has no value for "${column}".`);
        parameters.push(value);
      }
    }
    const text = statementText(caps, table, columns, end - start, opts.returningId);
    const result = await db.executeQuery<{ id: number }>(CompiledQuery.raw(text, parameters));
    if (opts.returningId) for (const row of result.rows) ids.push(row.id);
  }
  return ids;
}
