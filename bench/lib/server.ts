/**
 * The real server (`node --import tsx src/main.ts`) in a child process on 127.0.0.1, so that
 * the load generator does not share its event loop, with its memory read from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BenchServer {
  url: string;
  pid: number;
  /** Peak resident memory of the server process so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** Current resident memory (VmRSS), in MB. */
  rssMb(): number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

const live = new Set<ChildProcess>();
// A benchmark that throws must not leave its server behind.
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Starts the server with `env` (DATABASE_URL / GATEHOUSE_DATA_DIR etc.) and waits until it answers. */
export interface StartOptions {
  /** Extra node flags, e.g. --cpu-prof for profiling. */
  nodeArgs?: string[];
  /**
   * Run a bundle made by esbuild (plain JavaScript, no tsx loader) instead of
   * `node --import tsx src/main.ts`: shows what a build step would save.
   */
  bundled?: boolean;
}

const BUNDLE = path.join(ROOT, 'node_modules/.cache/gatehouse-bench/main.mjs');

/** Bundles src/main.ts (dependencies left external) with the esbuild that tsx brings. */
function bundle(): void {
  const r = spawnSync(
    path.join(ROOT, 'node_modules/.bin/esbuild'),
    [
      'src/main.ts',
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--packages=external',
      '--target=node20',
      `--outfile=${BUNDLE}`,
      '--log-level=warning',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error('esbuild could not bundle src/main.ts');
}

export async function startServer(
  env: Record<string, string>,
  opts: StartOptions = {},
): Promise<BenchServer> {
  const port = await freePort();
  if (opts.bundled) bundle();
  const entry = opts.bundled ? [BUNDLE] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
    // The log (level warn) goes to our stderr, so a crash of the server is seen.
    stdio: ['ignore', process.stderr, 'inherit'],
  });
  live.add(child);
  let exited = false;
  let stopping = false;
  child.once('exit', (code, signal) => {
    exited = true;
    live.delete(child);
    if (!stopping) console.error(`bench: the server exited unexpectedly (${signal ?? code})`);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error('The server exited while starting (see its output above).');
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('The server did not answer /healthz within 60 s.');
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok && !exited) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    peakRssMb: () => statusKb(pid, 'VmHWM') / 1024,
    rssMb: () => statusKb(pid, 'VmRSS') / 1024,
    async stop() {
      if (exited) return;
      stopping = true;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
