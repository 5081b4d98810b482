/**
 * The real server, run as `npm start` runs it, in a child process on 127.0.0.1, so that
 * the load generator does not share its event loop, with its memory read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureServerBuilt } from '../../scripts/build.ts';

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

/**
 * How `npm start` runs the server: the node flags and script of package.json's `start`
 * (e.g. `node --max-old-space-size=… dist/main.js`), so the bench measures what is deployed.
 */
function startCommand(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`npm start is not "node …": ${pkg.scripts.start}`);
  return words.slice(1);
}

/** npm start's node flags alone (e.g. the heap limit), for work measured as the server does it. */
export function serverNodeFlags(): string[] {
  return startCommand().slice(0, -1);
}

export interface StartOptions {
  /** Extra node flags, e.g. --cpu-prof for profiling. */
  nodeArgs?: string[];
  /** Node's arguments instead of npm start's (the raw baseline: bench/lib/raw-server.ts). */
  command?: string[];
}

/**
 * Starts the server as `npm start` does (building dist/ first if it is stale) with `env`
 * (DATABASE_URL / GATEHOUSE_DATA_DIR etc.), and waits until it answers.
 * BENCH_SERVER_COMMAND (node's arguments, space-separated) replaces npm start's, to compare
 * others: e.g. "--max-semi-space-size=4 dist/main.js", or "--import tsx src/main.ts".
 */
export async function startServer(
  env: Record<string, string>,
  opts: StartOptions = {},
): Promise<BenchServer> {
  const port = await freePort();
  await ensureServerBuilt();
  const override = process.env.BENCH_SERVER_COMMAND?.trim();
  const command = opts.command ?? (override ? override.split(/\s+/) : startCommand());
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...command], {
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
