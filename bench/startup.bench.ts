/**
 * Start-up of the `gatehouse` command (bin/gatehouse.js, which runs the built CLI when dist/
 * is current: the bench builds it first) against `node -e ''`, in alternating runs:
 * `gatehouse --version`, and `gatehouse users list --json` on an empty migrated database of
 * each engine. Target: each at most 4 × node's own start-up (mean wall time of N runs).
 */
import { ensureServerBuilt } from '../scripts/build.ts';
import { serverIsStale } from '../scripts/freshness.js';
import { LAUNCHER, runNode, type CliRun } from './lib/cli.ts';
import { ENGINES } from './lib/people.ts';
import { templateDatabase } from './lib/raw-insert.ts';
import { ratioRow, type RatioRow } from './lib/types.ts';

export const title = 'Start-up of the gatehouse command';
export const timeoutMs = 5 * 60_000;

const RUNS = process.env.BENCH_QUICK ? 5 : 15;
const WARMUP = 2;

interface Series {
  product: CliRun[];
  baseline: CliRun[];
}

function series(cmd: string[], args: string[], env: Record<string, string>): Series {
  const s: Series = { product: [], baseline: [] };
  for (let i = 0; i < WARMUP + RUNS; i++) {
    // Alternating, each side first in turn; the first runs warm the OS's file cache.
    const order = i % 2 === 0 ? ['p', 'b'] : ['b', 'p'];
    for (const side of order) {
      const r = side === 'p' ? runNode(cmd, args, env) : runNode(['-e', ''], [], {});
      if (i >= WARMUP) (side === 'p' ? s.product : s.baseline).push(r);
    }
  }
  return s;
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

function row(figure: string, engine: string, s: Series): RatioRow {
  const ms = (rs: CliRun[]) => rs.map((r) => r.seconds * 1000);
  return ratioRow({
    figure: `${figure} vs node -e ''`,
    engine,
    product: mean(ms(s.product)),
    baseline: mean(ms(s.baseline)),
    unit: 'ms',
    target: { op: '<=', value: 4 },
    cpuPerOp: {
      product: mean(s.product.map((r) => r.cpuMs)),
      baseline: mean(s.baseline.map((r) => r.cpuMs)),
    },
    note: `mean of ${RUNS} runs each, alternating; fastest ${Math.min(...ms(s.product)).toFixed(0)} / ${Math.min(...ms(s.baseline)).toFixed(0)} ms; peak RSS ${Math.max(...s.product.map((r) => r.peakRssMb)).toFixed(0)} / ${Math.max(...s.baseline.map((r) => r.peakRssMb)).toFixed(0)} MB; CPU ms per run`,
  });
}

export async function run(log: (line: string) => void): Promise<RatioRow[]> {
  await ensureServerBuilt();
  const rows: RatioRow[] = [];
  log(`gatehouse --version, ${RUNS} runs…`);
  rows.push(row('gatehouse --version', 'node', series([LAUNCHER], ['--version'], {})));
  for (const engine of ENGINES) {
    const template = await templateDatabase(engine);
    const copy = await template.copy();
    try {
      log(`${engine}: gatehouse users list --json on an empty database, ${RUNS} runs…`);
      rows.push(
        row(
          'gatehouse users list --json, empty database',
          engine,
          series([LAUNCHER], ['users', 'list', '--json'], copy.env),
        ),
      );
    } finally {
      await copy.drop();
      await template.drop();
    }
  }
  if (serverIsStale())
    for (const r of rows)
      r.note += '; dist/ went stale during the run (sources changed): some runs may have used tsx';
  return rows;
}
