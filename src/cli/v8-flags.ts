/**
 * The V8 flags of `npm start` that V8 also takes once running, for `gatehouse serve`, which
 * is a plain `node` process (bin/gatehouse.js) and so did not get them.
 *
 * Why at run time and not by starting node again with them: the CLI is one process, whose
 * signals, standard input and exit code are the command's own (bin/gatehouse.js). V8 reads
 * `allocation_site_pretenuring` at each collection, so setting it before the server makes
 * its first objects has the effect of the command-line flag (the unit test checks it does).
 * The heap limit (`--max-old-space-size`) is fixed when the heap is made: it stays a
 * NODE_OPTIONS setting (docs/operations.md, Memory).
 */
import v8 from 'node:v8';

/**
 * Without it a directory sync's second run on the server that ran the first cost twice the
 * CPU an entry (docs/benchmarks.md, session 8); the People API's paths are unchanged by it
 * (session 9).
 */
export const SERVE_V8_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring'];

export function applyServeV8Flags(set: (flag: string) => void = v8.setFlagsFromString): void {
  for (const flag of SERVE_V8_FLAGS) set(flag);
}
