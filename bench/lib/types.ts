/**
 * What a benchmark file (`bench/<name>.bench.ts`) exports and returns. See bench/run.ts.
 */

/** A figure a measure must meet: at most (`<=`) or at least (`>=`) `value`. */
export interface Target {
  op: '<=' | '>=';
  value: number;
}

/**
 * One figure of the product beside its raw baseline measured in the same run: one line of
 * the table. Make it with `ratioRow` (which computes `ratio` and `met`).
 */
export interface RatioRow {
  /** What was measured, without the engine: "GET /users/{id}, API key, 10 connections". */
  figure: string;
  /** "sqlite", "postgres", or what else the figure runs on ("node" for the CLI). */
  engine: string;
  /** The product's figure, in `unit`. */
  product: number;
  /** The raw baseline's figure in the same unit, measured in the same run; null if none. */
  baseline: number | null;
  /** "req/s", "s", "ms", "MB"… for product and baseline. */
  unit: string;
  /** product / baseline (null without a baseline). */
  ratio: number | null;
  /**
   * The target: on the ratio (default), or on the product's own figure (`of: 'product'`, for
   * limits that are absolute by nature, such as the server's peak RSS). Omitted: info only.
   */
  target?: Target & { of?: 'ratio' | 'product' };
  /** Whether the target is met (null without a target). */
  met: boolean | null;
  /** CPU milliseconds per operation of the process doing the work, product and baseline. */
  cpuPerOp?: { product: number; baseline: number | null };
  /** Short extra context printed under the table (what the baseline is, spread, sizes). */
  note?: string;
}

/** The fields of a RatioRow a benchmark gives; `ratio` and `met` are derived. */
export type RatioInput = Omit<RatioRow, 'ratio' | 'met'>;

export function ratioRow(r: RatioInput): RatioRow {
  const ratio = r.baseline === null || r.baseline === 0 ? null : r.product / r.baseline;
  let met: boolean | null = null;
  if (r.target) {
    const v = r.target.of === 'product' ? r.product : ratio;
    met = v === null ? false : r.target.op === '<=' ? v <= r.target.value : v >= r.target.value;
  }
  return { ...r, ratio, met };
}

/** The module shape bench/run.ts expects of every `*.bench.ts` file. */
export interface BenchmarkModule {
  /** Table heading; defaults to the file name. */
  title?: string;
  /** Hard limit for the whole file, in ms (default 10 minutes); the run is killed after it. */
  timeoutMs?: number;
  /** Runs the benchmark and returns its figures. Must stop by itself and clean up after itself. */
  run(log: (line: string) => void): Promise<RatioRow[]>;
}
