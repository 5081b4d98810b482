/**
 * The few lookups that nearly every request makes (the API key with its owner, a person by
 * id), built and compiled to SQL once per database handle instead of on every call.
 *
 * Why: Kysely builds a query tree, freezes it and compiles it to SQL each time it runs; for
 * a one-row lookup by key that was about a tenth of the server's CPU time in the
 * `GET /users/{id}` benchmark (bench/api.bench.ts), more than running the query. The SQL of
 * these lookups never depends on the values, only the parameters do, so the compiled query
 * is reused with the new values. That holds only when the call's arguments are exactly the
 * query's parameters, in order: it is checked when the lookup is first compiled, with two
 * different sample argument lists, and a lookup that breaks it fails loudly at once rather
 * than sending wrong values.
 */
import type { Compilable, CompiledQuery } from 'kysely';
import type { Executor } from './people-repo.ts';

export type CompiledLookup<A extends unknown[], R> = (db: Executor, ...args: A) => Promise<R[]>;

export function compiledLookup<A extends unknown[], R>(
  name: string,
  build: (db: Executor, ...args: A) => Compilable<R>,
  samples: readonly [A, A],
): CompiledLookup<A, R> {
  const cache = new WeakMap<Executor, CompiledQuery<R>>();
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
    let compiled = cache.get(db);
    if (!compiled) {
      compiled = compile(db);
      cache.set(db, compiled);
    }
    const result = await db.executeQuery<R>({ ...compiled, parameters: args });
    return result.rows;
  };
}
