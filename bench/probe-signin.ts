/**
 * A measuring aid for password sign-ins (not a benchmark: run.ts only runs *.bench.ts). The
 * server as bench/api.bench.ts runs it (npm start's command, the bench's argon2 parameters),
 * on a fresh database with the bench's eight sign-in accounts (PROBE_ENGINE, default sqlite),
 * against argon2id verifies alone in this process, PROBE_ROUNDS (default 4) alternating pairs
 * of PROBE_SECONDS (default 3) after a warm-up of each. Per operation it prints, from /proc:
 * CPU of the server's main thread, of each other thread using 0.5 ms or more (the libuv pool
 * threads running argon2: `t<tid - pid>`) and of the rest together, its minor page faults and
 * context switches; the same of this process for the verifies alone; and this process's CPU
 * as the load generator.
 * BENCH_SERVER_COMMAND (bench/lib/server.ts) compares other node flags; PROBE_ENV (space-
 * separated NAME=value) adds variables to the server's environment, e.g. to try allocator
 * settings; PROBE_CLIENT=lean sends the sign-ins with bench/lib/post-load.ts instead of
 * autocannon; PROBE_RAW_AT_ONCE sets how many verifies alone run at a time (default the
 * server's lanes, src/auth/passwords.ts); PROBE_NODE_ARGS adds node flags before the command
 * (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`: the profile is written when the server stops).
 * PROBE_WARMUP_SECONDS (default 2) is the server's warm-up before the pairs (~20 s makes the
 * 3,000 sign-ins of bench/api.bench.ts's). PROBE_PERF=DIR runs
 * `perf record -e cpu-clock --per-thread` on the server through the first measured sign-in
 * segment (DIR/server.data) and on this process through the first verifies' (DIR/raw.data);
 * with PROBE_NODE_ARGS=--perf-basic-prof perf also names the server's JavaScript.
 *
 *   npx tsx bench/probe-signin.ts
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import autocannon from 'autocannon';
import { ARGON2_LANES } from '../src/auth/passwords.ts';
import { createAdministrator } from '../src/bootstrap.ts';
import { SYSTEM_ACTOR } from '../src/core/context.ts';
import { freshBenchDatabase, type Engine } from './lib/people.ts';
import { postLoad } from './lib/post-load.ts';
import { startServer } from './lib/server.ts';

const ENGINE = (process.env.PROBE_ENGINE ?? 'sqlite') as Engine;
const ROUNDS = Number(process.env.PROBE_ROUNDS ?? 4);
const SECONDS = Number(process.env.PROBE_SECONDS ?? 3);
const PASSWORD = 'bench-password-1';
const ARGON2 = { memoryKib: 19456, iterations: 2 };
const CLOCK_TICKS = 100;

/** Per-thread counters of a process, summed by group. */
interface Counters {
  /** CPU ms by group: main, pool (libuv-worker), v8 (V8 platform workers), other. */
  cpu: Record<string, number>;
  minflt: number;
  voluntary: number;
  involuntary: number;
}

/**
 * Node 20 names every thread "node": the main thread is the process's id; the others are told
 * apart by their CPU per operation (the pool threads running argon2 are the heavy ones).
 */
function group(pid: number, tid: number): string {
  return tid === pid ? 'main' : `t${tid - pid}`;
}

function counters(pid: number): Counters {
  const c: Counters = { cpu: {}, minflt: 0, voluntary: 0, involuntary: 0 };
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    let status: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      status = fs.readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const g = group(pid, Number(t));
    c.cpu[g] = (c.cpu[g] ?? 0) + ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
    c.minflt += Number(f[7]);
    c.voluntary += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
    c.involuntary += Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return c;
}

/** Counters of a process over a span; threads that ended in between are lost (few: pools). */
function diff(a: Counters, b: Counters, ops: number): Record<string, string> {
  const out: Record<string, string> = {};
  let total = 0;
  let small = 0;
  for (const g of new Set([...Object.keys(a.cpu), ...Object.keys(b.cpu)])) {
    const d = (b.cpu[g] ?? 0) - (a.cpu[g] ?? 0);
    total += d;
    if (g === 'main' || d / ops >= 0.5) out[g] = (d / ops).toFixed(2);
    else small += d;
  }
  out.rest = (small / ops).toFixed(2);
  out.total = (total / ops).toFixed(2);
  out.minflt = ((b.minflt - a.minflt) / ops).toFixed(0);
  out.vcsw = ((b.voluntary - a.voluntary) / ops).toFixed(1);
  out.ivcsw = ((b.involuntary - a.involuntary) / ops).toFixed(1);
  return out;
}

const PERF_DIR = process.env.PROBE_PERF;
/** Starts perf on a process; the returned function stops it and waits for its file. */
function perf(pid: number, name: string): () => Promise<void> {
  if (!PERF_DIR) return () => Promise.resolve();
  fs.mkdirSync(PERF_DIR, { recursive: true });
  const p = spawn(
    'perf',
    ['record', '-q', '-e', 'cpu-clock', '-F', '1999', '--per-thread', '-p', String(pid)].concat([
      '-o',
      `${PERF_DIR}/${name}.data`,
    ]),
    { stdio: 'ignore' },
  );
  return () =>
    new Promise((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGINT');
    });
}

function load(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err as Error) : resolve(result)));
  });
}

async function main(): Promise<void> {
  const db = await freshBenchDatabase(ENGINE);
  try {
    await createAdministrator(db.app, SYSTEM_ACTOR, 'benchadmin', PASSWORD);
    const users: string[] = [];
    for (let i = 0; i < 8; i++) {
      const username = `signin${i}`;
      await db.app.core.people.create(SYSTEM_ACTOR, {
        username,
        firstname: 'Sign',
        surname: `In ${i}`,
        email: `${username}@example.net`,
        password: PASSWORD,
      });
      users.push(username);
    }
    await db.closeApp();
    const extra = Object.fromEntries(
      (process.env.PROBE_ENV ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    const nodeArgs = (process.env.PROBE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const server = await startServer(
      {
        ...db.env,
        GATEHOUSE_SIGNIN_RATE_PER_MINUTE: '1000000',
        GATEHOUSE_ARGON2_MEMORY_KIB: String(ARGON2.memoryKib),
        GATEHOUSE_ARGON2_ITERATIONS: String(ARGON2.iterations),
        ...extra,
      },
      { nodeArgs },
    );
    try {
      const bodies = users.map((u) => JSON.stringify({ username: u, password: PASSWORD }));
      let perfServer = true;
      let perfRaw = true;
      const product = async (seconds: number, measured = true) => {
        const stopPerf = measured && perfServer ? perf(server.pid, 'server') : null;
        if (stopPerf) perfServer = false;
        const s0 = counters(server.pid);
        const own0 = process.cpuUsage();
        const t0 = performance.now();
        if (process.env.PROBE_CLIENT === 'lean') {
          const r = await postLoad({
            url: server.url,
            connections: 8,
            requests: bodies.map((body) => ({
              method: 'POST',
              path: '/api/session',
              headers: { 'content-type': 'application/json' },
              body,
            })),
            seconds,
          });
          const own = process.cpuUsage(own0);
          await stopPerf?.();
          if (r.statuses.size !== 1 || !r.statuses.has(200))
            throw new Error(`answers ${JSON.stringify([...r.statuses])}`);
          return {
            rate: (r.ops / r.seconds).toFixed(1),
            ...diff(s0, counters(server.pid), r.ops),
            loadgen: ((own.user + own.system) / 1000 / r.ops).toFixed(2),
          };
        }
        const r = await load({
          url: server.url + '/api/session',
          connections: 8,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          requests: bodies.map((body) => ({ body })),
          duration: seconds,
        });
        const wall = (performance.now() - t0) / 1000;
        if (r.non2xx > 0 || r.errors > 0)
          throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`);
        const own = process.cpuUsage(own0);
        await new Promise((res) => setTimeout(res, 150));
        await stopPerf?.();
        const ops = r.requests.total;
        return {
          rate: (ops / Math.min(wall, r.duration)).toFixed(1),
          ...diff(s0, counters(server.pid), ops),
          loadgen: ((own.user + own.system) / 1000 / ops).toFixed(2),
        };
      };
      const hash = await argon2Hash(PASSWORD, {
        algorithm: 2,
        memoryCost: ARGON2.memoryKib,
        timeCost: ARGON2.iterations,
        parallelism: 1,
      });
      const raw = async (seconds: number, measured = true) => {
        const stopPerf = measured && perfRaw ? perf(process.pid, 'raw') : null;
        if (stopPerf) perfRaw = false;
        const s0 = counters(process.pid);
        const t0 = performance.now();
        const stop = t0 + seconds * 1000;
        let ops = 0;
        await Promise.all(
          Array.from(
            { length: Number(process.env.PROBE_RAW_AT_ONCE ?? ARGON2_LANES) },
            async () => {
              while (performance.now() < stop) {
                if (!(await argon2Verify(hash, PASSWORD))) throw new Error('verify failed');
                ops++;
              }
            },
          ),
        );
        const wall = (performance.now() - t0) / 1000;
        await stopPerf?.();
        return { rate: (ops / wall).toFixed(1), ...diff(s0, counters(process.pid), ops) };
      };
      await product(Number(process.env.PROBE_WARMUP_SECONDS ?? 2), false);
      await raw(2, false);
      for (let i = 0; i < ROUNDS; i++) {
        const order = i % 2 === 0 ? [product, raw] : [raw, product];
        for (const side of order) {
          const r = await side(SECONDS);
          console.log(`${side === product ? 'server' : 'raw   '} ${JSON.stringify(r)}`);
        }
      }
    } finally {
      await server.stop();
    }
  } finally {
    await db.drop();
  }
}

await main();
