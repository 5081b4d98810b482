/**
 * How a batch is cut up: rows a slice at a time (planned and written), lookups a chunk of
 * keys at a time, bulk inserts a bounded number of parameters at a time, and a breath for
 * the event loop between slices.
 */

/** Keys or ids per statement (an `in (…)` list). */
export const CHUNK = 500;
/**
 * Rows planned (and written) per slice of the source. Small on purpose: what a slice
 * allocates then dies young (in V8's new space), instead of being promoted to the old
 * generation, which V8 lets grow to about four times its live size between full collections.
 */
export const SLICE = 50;
/**
 * Parameters per bulk insert. Far below the engines' limits on purpose: a statement of
 * 32,000 parameters (and the query tree Kysely builds for it) lives long enough to be
 * promoted to V8's old generation, and 100,000 rows of such garbage grew the heap by
 * hundreds of MB before a full collection; small statements die young.
 */
export const WRITE_PARAMETERS = 4000;

export function chunks<T>(xs: T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/**
 * Lets the event loop run between slices. A batch otherwise runs on promise callbacks
 * alone, which starves timers (progress, heartbeats) and V8's garbage-collection tasks: the
 * heap then grows far beyond what is live.
 */
export const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));
