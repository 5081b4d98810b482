/**
 * The `gatehouse` command as a user runs it, timed from outside, with the CPU time and peak
 * RSS of its process: a parent learns neither from spawnSync, so a preloaded module (USAGE)
 * writes them to a file at exit.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const LAUNCHER = path.join(ROOT, 'bin', 'gatehouse.js');
/** The built CLI the launcher runs when dist/ is current (bench runs build it first). */
export const BUILT_CLI = path.join(ROOT, 'dist', 'cli.js');
const USAGE =
  'data:text/javascript,' +
  encodeURIComponent(`import fs from 'node:fs';
const file = process.env.BENCH_USAGE_FILE;
if (file) process.on('exit', () => {
  const u = process.resourceUsage();
  fs.writeFileSync(file, JSON.stringify({
    cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, peakRssMb: u.maxRSS / 1024 }));
});`);

export interface CliRun {
  seconds: number;
  cpuMs: number;
  peakRssMb: number;
  stdout: string;
}

/** Runs `node [script] args` with `env` (plus PATH and HOME); throws on a non-zero exit. */
export function runNode(script: string[], args: string[], env: Record<string, string>): CliRun {
  const usageFile = path.join(os.tmpdir(), `gatehouse-bench-usage-${process.pid}.json`);
  fs.rmSync(usageFile, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', USAGE, ...script, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'warn',
      ...env,
      BENCH_USAGE_FILE: usageFile,
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(
      `node ${[...script, ...args].join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout.slice(0, 2000)}`,
    );
  const usage = JSON.parse(fs.readFileSync(usageFile, 'utf8')) as {
    cpuMs: number;
    peakRssMb: number;
  };
  fs.rmSync(usageFile, { force: true });
  return { seconds, ...usage, stdout: r.stdout };
}

/** `gatehouse ARGS` through the built CLI. */
export const gatehouse = (args: string[], env: Record<string, string>) =>
  runNode([BUILT_CLI], args, env);
