/**
 * Product and baseline measured in alternating short segments after a warm-up of each, so
 * that a change of the machine's load falls on both sides; with the CPU time each side's
 * process used per operation (steadier than rates on a shared machine).
 */
import fs from 'node:fs';
import { median } from './stats.ts';

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses; utime and stime
  // are the 14th and 15th fields of the line, in clock ticks (100 a second on Linux).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** CPU of this process (all its threads), in ms. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** What one segment did: operations done, wall seconds, CPU ms of the measured process. */
export interface Segment {
  ops: number;
  seconds: number;
  cpuMs: number;
  /** Per-operation latencies in ms, when the segment measures them. */
  latencies?: number[];
  /**
   * CPU ms of the load generator (this process) during the segment, when another process does
   * the work: it runs on the same cores, so it is shown beside the rate it makes.
   */
  clientCpuMs?: number;
}

export interface Side {
  /** Runs one segment of about `seconds` (or of a fixed amount of work). */
  segment(seconds: number): Promise<Segment>;
}

export interface Totals {
  ops: number;
  seconds: number;
  cpuMs: number;
  /** ops per second over all measured segments. */
  rate: number;
  cpuPerOp: number;
  latencies: number[];
  /** Rate of each segment, for the spread, in the order they ran. */
  rates: number[];
  /** Median of the segments' rates. */
  medianRate: number;
  /** The load generator's CPU ms per operation (when the segments give it). */
  clientCpuPerOp: number | null;
}

function total(segs: Segment[]): Totals {
  const ops = segs.reduce((a, s) => a + s.ops, 0);
  const seconds = segs.reduce((a, s) => a + s.seconds, 0);
  const cpuMs = segs.reduce((a, s) => a + s.cpuMs, 0);
  const rates = segs.map((s) => s.ops / s.seconds);
  const client = segs.every((s) => s.clientCpuMs !== undefined)
    ? segs.reduce((a, s) => a + s.clientCpuMs!, 0) / ops
    : null;
  return {
    ops,
    seconds,
    cpuMs,
    rate: ops / seconds,
    cpuPerOp: cpuMs / ops,
    latencies: segs.flatMap((s) => s.latencies ?? []),
    rates,
    medianRate: median(rates),
    clientCpuPerOp: client,
  };
}

export interface AlternateOptions {
  warmupSeconds: number;
  segmentSeconds: number;
  rounds: number;
}

/** Warms each side up, then runs `rounds` pairs of segments, the side going first swapping. */
export async function alternate(
  product: Side,
  baseline: Side,
  o: AlternateOptions,
): Promise<{ product: Totals; baseline: Totals }> {
  if (o.warmupSeconds > 0) {
    await product.segment(o.warmupSeconds);
    await baseline.segment(o.warmupSeconds);
  }
  const p: Segment[] = [];
  const b: Segment[] = [];
  for (let i = 0; i < o.rounds; i++) {
    if (i % 2 === 0) {
      p.push(await product.segment(o.segmentSeconds));
      b.push(await baseline.segment(o.segmentSeconds));
    } else {
      b.push(await baseline.segment(o.segmentSeconds));
      p.push(await product.segment(o.segmentSeconds));
    }
  }
  return { product: total(p), baseline: total(b) };
}

/**
 * Rates as the record: the ratio of the two sides' median segment rates. A segment that a
 * burst of outside load slowed moves a total, not a median; the pairs run back to back in
 * alternating order, so a slow drift of the load falls on both medians alike.
 */
export function medianRates(r: { product: Totals; baseline: Totals }): {
  product: number;
  baseline: number;
  /** The median of each pair's own ratio (product segment / baseline segment), for context. */
  pairRatio: number;
} {
  const pairs = r.product.rates.map((p, i) => p / r.baseline.rates[i]!);
  return {
    product: r.product.medianRate,
    baseline: r.baseline.medianRate,
    pairRatio: median(pairs),
  };
}

/** "4,210–4,630" : the range of per-segment rates. */
export function spread(xs: number[], digits = 0): string {
  const f = (x: number) =>
    x.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
}
