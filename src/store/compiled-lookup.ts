/**
 * The few statements that nearly every request or sign-in runs (the API key with its owner, a
 * person by id, the sign-in's person and its bookkeeping writes, an audit event), built and
 * compiled to SQL once per database instead of on every call.
 *
 * Why: Kysely builds a query tree, freezes it and compiles it to SQL each time it runs; for
 * a one-row lookup by key that was about a tenth of the server's CPU time in the
 * `GET /users/{id}` benchmark (bench/api.bench.ts), more than running the query. The SQL of
 * these statements never depends on the values, only the parameters do, so the compiled query
 * is reused with the new values. That holds only when the call's arguments are exactly the
 * query's parameters, in order: it is checked when the statement is first compiled, with two
 * different sample argument lists, and a statement that breaks it fails loudly at once rather
 * than sending wrong values. Some are also prepared on PostgreSQL (prepared.ts, by name).
 */
import type { Compilable, CompiledQuery } from 'kysely';
import type { Executor } from './people-repo.ts';
import { compiledStatement, preparedWrite } from './prepared.ts';
import { directReadsOf } from './sqlite-dialect.ts';

export type CompiledLookup<A extends unknown[], R> = (db: Executor, ...args: A) => Promise<R[]>;

/** Names of the statements defined: one each, as prepared.ts prepares them by name. */
const defined = new Set<string>();

export const definedLookups = (): ReadonlySet<string> => defined;

export function compiledLookup<A extends unknown[], R>(
  name: string,
  build: (db: Executor, ...args: A) => Compilable<R>,
  samples: readonly [A, A],
  /** A write of a fixed shape, prepared on PostgreSQL by its text (prepared.ts preparedWrite). */
  opts: { preparedWrite?: boolean } = {},
): CompiledLookup<A, R> {
  if (defined.has(name)) throw new Error(`Two compiled lookups are named ${name}.`);
  defined.add(name);
  // Keyed by the dialect's adapter: one per Kysely instance, shared by its transactions, so a
  // statement run inside transactions (every sign-in's writes) is compiled once too, not once
  // per transaction as a key on the transaction object would be. Plugins could rewrite the
  // SQL and are not part of the key: our databases have none, and one with plugins is refused.
  const cache = new WeakMap<object, CompiledQuery<R>>();
  const compile = (db: Executor): CompiledQuery<R> => {
    const [a, b] = samples.map((s) => build(db, ...s).compile());
    const exact = (q: CompiledQuery<R>, args: A): boolean =>
      q.parameters.length === args.length && q.parameters.every((p, i) => p === args[i]);
    if (!a || !b || a.sql !== b.sql || !exact(a, samples[0]) || !exact(b, samples[1]))
      throw new Error(
        `The lookup ${name} cannot be compiled once: its parameters are not exactly its arguments.`,
      );
    return a;
  };
  return async (db, ...args) => {
    const executor = db.getExecutor();
    if (executor.plugins.length > 0)
      throw new Error(`The lookup ${name} cannot be compiled once on a Kysely with plugins.`);
    let compiled = cache.get(executor.adapter);
    if (!compiled) {
      compiled = compile(db);
      cache.set(executor.adapter, compiled);
      if (opts.preparedWrite) preparedWrite(compiled.sql);
      else compiledStatement(name, compiled.sql);
    }
    // On SQLite, outside a transaction and while no one holds the connection: run it now.
    if (!db.isTransaction) {
      const rows = directReadsOf(executor.adapter)?.runNow(compiled.sql, args);
      if (rows) return rows as R[];
    }
    const result = await db.executeQuery<R>({ ...compiled, parameters: args });
    return result.rows;
  };
}

/**
 * A compiled insert's row from its arguments, the values in column order: the columns are
 * fixed, so only the values are parameters and the statement compiles once.
 */
export function rowOf<R>(columns: readonly string[], values: readonly unknown[]): R {
  return Object.fromEntries(columns.map((c, i) => [c, values[i]])) as R;
}

/** Two different sample argument lists of `n` values, for a compiled insert's check. */
export function sampleValues(n: number): readonly [unknown[], unknown[]] {
  const of = (p: string) => Array.from({ length: n }, (_, i): unknown => `${p}${i}`);
  return [of('a'), of('b')];
}
