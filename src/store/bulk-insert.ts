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
import type { DB } from './schema.ts';

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
/** Table and column names are written into the SQL text: plain lower-case names only. */
const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

function checkNames(what: string, names: readonly string[]): void {
  for (const name of names)
    if (!PLAIN_NAME.test(name))
      throw new Error(`bulkInsert: ${what} "${name}" is not a plain name.`);
  if (new Set(names).size !== names.length)
    throw new Error(`bulkInsert: ${what}s named twice in ${names.join(', ')}.`);
}

function statementText(
  caps: Capabilities,
  table: string,
  columns: readonly string[],
  rowCount: number,
  returning: readonly string[],
): string {
  const key = `${caps.engine}|${table}|${columns.join(',')}|${rowCount}|${returning.join(',')}`;
  const known = texts.get(key);
  if (known !== undefined) {
    // Most recently used last: the full-chunk text, used most, is never the one evicted.
    texts.delete(key);
    texts.set(key, known);
    return known;
  }
  checkNames('table', [table]);
  checkNames('column', columns);
  checkNames('returned column', returning);
  const tuples: string[] = [];
  let n = 0;
  for (let r = 0; r < rowCount; r++) {
    const marks: string[] = [];
    for (let c = 0; c < columns.length; c++) marks.push(caps.placeholder(++n));
    tuples.push(`(${marks.join(', ')})`);
  }
  const text =
    `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}` +
    (returning.length > 0 ? ` returning ${returning.map((c) => `"${c}"`).join(', ')}` : '');
  texts.set(key, text);
  if (texts.size > TEXTS_KEPT) texts.delete(texts.keys().next().value!);
  return text;
}

/**
 * Inserts `rows` into `table`, `columns` of each (every row must hold every column: a missing
 * value is an error, not a column default), in statements of at most `maxParameters`
 * parameters. Returns the `returning` columns of the new rows, in no particular order: neither
 * engine promises that RETURNING follows the order of VALUES, so callers match them by a key.
 */
export async function bulkInsert<Row extends object, Back extends object = Record<string, never>>(
  db: Executor,
  caps: Capabilities,
  table: keyof DB,
  columns: readonly (keyof Row & string)[],
  rows: readonly Row[],
  opts: { maxParameters: number; returning?: readonly (keyof Back & string)[] },
): Promise<Back[]> {
  const returning = opts.returning ?? [];
  const perChunk = Math.max(
    1,
    Math.floor(Math.min(opts.maxParameters, caps.maxParameters) / columns.length),
  );
  const back: Back[] = [];
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
    const text = statementText(caps, table, columns, end - start, returning);
    const result = await db.executeQuery<Back>(CompiledQuery.raw(text, parameters));
    if (returning.length > 0) for (const row of result.rows) back.push(row);
  }
  return back;
}
