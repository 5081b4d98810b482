/**
 * Benchmark runner: `npm run bench [-- FILTER…] [-- --markdown FILE]`.
 *
 * Every figure is a ratio: the product's figure beside a raw baseline measured in the same
 * run (a minimal node:http server, plain prepared inserts, plain SQL, argon2 alone, `node -e
 * ''`), and the targets are on the ratio, because absolute figures on a shared machine say
 * little from one run to the next (issue 11).
 *
 * Runs every `bench/*.bench.ts` file (or those whose name contains one of the FILTER words,
 * e.g. `npm run bench -- core`), one after another, each in its own child process so that no
 * benchmark shares memory or an event loop with the next, and prints one table per file:
 * engine, figure, product, baseline, ratio, target, result (pass / FAIL / info), CPU ms per
 * operation. Exit code 1 if any target is missed or a benchmark fails; `--markdown FILE` also
 * writes the tables as Markdown (for docs/benchmarks.md). Environment: BENCH_ENGINES=sqlite
 * (or postgres) limits the engines; BENCH_QUICK=1 uses smaller sizes (20,000 people instead
 * of 100,000) for a quick look — the record uses the default sizes.
 *
 * Interface of a benchmark file (types in bench/lib/types.ts):
 *
 *   export const title = 'People API over HTTP';       // optional table heading
 *   export const timeoutMs = 10 * 60_000;              // optional hard limit (default 10 min)
 *   export async function run(log: (line: string) => void): Promise<RatioRow[]> { … }
 *
 *   // one line of the table; make it with ratioRow({...}), which derives ratio and met
 *   interface RatioRow {
 *     figure: string;                  // "GET /users/{id}, API key, 10 connections"
 *     engine: string;                  // "sqlite" | "postgres" | "node"…
 *     product: number;                 // the product's figure, in unit
 *     baseline: number | null;         // the raw baseline's, same unit, same run (null: none)
 *     unit: string;                    // "req/s", "s", "ms", "MB"
 *     ratio: number | null;            // product / baseline
 *     target?: { op: '<=' | '>='; value: number; of?: 'ratio' | 'product' };  // default: ratio
 *     met: boolean | null;             // null: information only
 *     cpuPerOp?: { product: number; baseline: number | null };  // CPU ms per operation
 *     note?: string;                   // printed under the table
 *   }
 *
 * Measuring: warm both sides up, then alternate short segments of each (bench/lib/alternate.ts
 * `alternate`, with `processCpuMs(pid)` for a server's CPU from /proc and `ownCpuMs()` for the
 * bench process), so that a change of load falls on both sides.
 *
 * Rules for benchmarks: only ever target 127.0.0.1; be bounded in time and request count;
 * clean up what they start (fresh databases, child servers — bench/lib/server.ts does it).
 * A file that overruns its timeout is killed with its whole process group.
 * Helpers: bench/lib/people.ts (fresh database + N people), bench/lib/server.ts (the real
 * server, or any node script, in a child process, with its peak RSS), bench/lib/raw-server.ts
 * (the raw HTTP baseline), bench/lib/raw-insert.ts (copies of a migrated database, the raw
 * insert baseline), bench/lib/stats.ts (percentiles, timers).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { markdownTable, textTable } from './lib/table.ts';
import type { BenchmarkModule, RatioRow } from './lib/types.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

interface ChildMessage {
  kind: 'meta' | 'log' | 'rows' | 'error';
  title?: string;
  timeoutMs?: number;
  line?: string;
  rows?: RatioRow[];
  error?: string;
}

/** Child side: run one file and report to the parent over IPC. */
async function runChild(file: string): Promise<void> {
  const send = (m: ChildMessage) =>
    new Promise<void>((resolve) => process.send!(m, () => resolve()));
  try {
    const mod = (await import(pathToFileURL(file).href)) as BenchmarkModule;
    await send({ kind: 'meta', title: mod.title, timeoutMs: mod.timeoutMs });
    const rows = await mod.run((line) => void send({ kind: 'log', line }));
    await send({ kind: 'rows', rows });
  } catch (err) {
    await send({
      kind: 'error',
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    process.exitCode = 1;
  }
  // Pools and timers a benchmark forgot must not keep the child alive.
  process.exit();
}

/** Parent side: one file in a child process (own process group), bounded by its timeout. */
function runFile(file: string): Promise<{ title: string; rows: RatioRow[]; error?: string }> {
  return new Promise((resolve) => {
    const name = path.basename(file, '.bench.ts');
    let title = name;
    let rows: RatioRow[] | undefined;
    let error: string | undefined;
    const started = Date.now();
    const child = fork(fileURLToPath(import.meta.url), ['--child', file], {
      execArgv: ['--import', 'tsx'],
      detached: true, // its own process group, so a timeout also ends servers it started
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    let timer = setTimeout(onTimeout, DEFAULT_TIMEOUT_MS);
    function onTimeout() {
      error = `timed out after ${Math.round((Date.now() - started) / 1000)} s`;
      killGroup();
    }
    child.on('message', (m: ChildMessage) => {
      if (m.kind === 'meta') {
        if (m.title) title = `${m.title} (${name})`;
        if (m.timeoutMs) {
          clearTimeout(timer);
          timer = setTimeout(onTimeout, Math.max(0, m.timeoutMs - (Date.now() - started)));
        }
      } else if (m.kind === 'log') {
        const s = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
        console.log(`  [${name} ${s}s] ${m.line ?? ''}`);
      } else if (m.kind === 'rows') rows = m.rows;
      else if (m.kind === 'error') error = m.error;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      killGroup(); // anything the benchmark left running
      if (!rows && !error) error = `exited with ${signal ?? code} before reporting`;
      resolve({ title, rows: rows ?? [], ...(error ? { error } : {}) });
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return runChild(args[1]!);
  let markdownFile: string | undefined;
  const filters: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--markdown') markdownFile = args[++i];
    else filters.push(args[i]!.toLowerCase());
  }
  const files = fs
    .readdirSync(HERE)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((w) => f.toLowerCase().includes(w)))
    .sort()
    .map((f) => path.join(HERE, f));
  if (files.length === 0) {
    console.error(`No benchmark matches ${filters.join(', ')}.`);
    process.exit(2);
  }
  let bad = 0;
  const md: string[] = [];
  for (const file of files) {
    console.log(`\n> ${path.relative(process.cwd(), file)}`);
    // The machine may be shared: the load average says how much others were running.
    const load = () => os.loadavg()[0]!.toFixed(2);
    const before = load();
    const { title, rows, error } = await runFile(file);
    const loadNote = `Load average (1 min) before ${before}, after ${load()}, on ${os.availableParallelism()} cores; ${new Date().toISOString()}.`;
    console.log(textTable(title, rows));
    console.log(`  ${loadNote}`);
    md.push(`### ${title}\n\n${markdownTable(rows)}\n\n${loadNote}`);
    bad += rows.filter((r) => r.met === false).length;
    if (error) {
      bad++;
      console.log(`  ! ${error}`);
      md.push(`Failed: ${error.split('\n')[0]}`);
    }
  }
  if (markdownFile) fs.writeFileSync(markdownFile, md.join('\n\n') + '\n');
  console.log(
    bad === 0 ? '\nAll targets met.' : `\n${bad} target(s) missed or benchmark(s) failed.`,
  );
  process.exitCode = bad === 0 ? 0 : 1;
}

await main();
