/**
 * What a benchmark file (`bench/<name>.bench.ts`) exports and returns. See bench/run.ts.
 */

/** A figure a measure must meet: at most (`<=`) or at least (`>=`) `value`, in the row's unit. */
export interface Target {
  op: '<=' | '>=';
  value: number;
}

/** One measured figure: one line of the benchmark's table. */
export interface Row {
  /** What was measured, e.g. "sqlite: 100,000 people through PeopleBatch.apply". */
  measure: string;
  value: number;
  /** Unit of `value` and of the target: "s", "ms", "req/s", "MB", "rows/s"… */
  unit: string;
  /** Omitted for figures reported for comparison only. */
  target?: Target;
  /** Short extra context printed under the table (e.g. what the figure is compared with). */
  note?: string;
}

/** The module shape bench/run.ts expects of every `*.bench.ts` file. */
export interface BenchmarkModule {
  /** Table heading; defaults to the file name. */
  title?: string;
  /** Hard limit for the whole file, in ms (default 10 minutes); the run is killed after it. */
  timeoutMs?: number;
  /** Runs the benchmark and returns its figures. Must stop by itself and clean up after itself. */
  run(log: (line: string) => void): Promise<Row[]>;
}

export function passes(row: Row): boolean | null {
  if (!row.target) return null;
  return row.target.op === '<=' ? row.value <= row.target.value : row.value >= row.target.value;
}
