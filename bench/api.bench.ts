/**
 * The People API and sign-in over HTTP: the real server (run as `npm start` runs it, in a
 * child process) against a raw server in another child process on the same database
 * (bench/lib/raw-server.ts: node:http, one prepared SELECT of the API key's hash, one of the
 * person by id, JSON.stringify of the row; plain LIMIT/OFFSET + count; plain LIKE), on
 * 100,000 people, per engine, each pair of figures in alternating segments after a warm-up:
 * - GET /users/{id} with an API key at 10 connections: req/s ratio, target >= 0.5;
 * - a list page of 200 at random offsets, one request at a time: p95 ratio, target <= 0.75;
 * - searches (terms matching few and many people), one at a time: p95 ratio, target <= 0.5;
 * - POST /api/session sign-ins against argon2id verifies alone (same parameters, as many at a
 *   time as the server runs them: its lanes, one per core and one more, passwords.ts), after
 *   the server's own warm-up of 3,000 sign-ins, sent by a lean keep-alive client
 *   (bench/lib/post-load.ts): rate ratio, target >= 0.85;
 * - the server's peak RSS (VmHWM) through all of it: target <= 250 MB (absolute).
 * CPU per operation of each side's process beside each figure, and for the two rates the load
 * generator's (this process, on the same cores); rates are the ratio of the sides' median
 * segment rates. Only 127.0.0.1; bounded.
 * BENCH_QUICK=1: 20,000 people and shorter segments.
 */
import os from 'node:os';
import path from 'node:path';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import autocannon from 'autocannon';
import pg from 'pg';
import { ARGON2_LANES } from '../src/auth/passwords.ts';
import { createAdministrator } from '../src/bootstrap.ts';
import { SYSTEM_ACTOR, type Actor } from '../src/core/context.ts';
import {
  alternate,
  medianRates,
  ownCpuMs,
  processCpuMs,
  spread,
  type Side,
} from './lib/alternate.ts';
import { ENGINES, freshBenchDatabase, personRows, type Engine } from './lib/people.ts';
import { postLoad, type PostLoadOptions } from './lib/post-load.ts';
import { startServer, type BenchServer } from './lib/server.ts';
import { percentile, seededRandom } from './lib/stats.ts';
import { ratioRow, type RatioRow } from './lib/types.ts';

export const title = 'People API and sign-in over HTTP';
export const timeoutMs = 12 * 60_000;

const QUICK = Boolean(process.env.BENCH_QUICK);
const N = QUICK ? 20_000 : 100_000;
const API = '/api/people/v2';
/** Requests per latency segment, and segments per side. */
const LATENCY_SEGMENT = 40;
const LATENCY_ROUNDS = QUICK ? 2 : 5;
/**
 * Rates: many short segments, the record being the ratio of the two sides' medians
 * (alternate.ts medianRates): on a shared machine one slowed segment of four moved a total
 * by a tenth (docs/benchmarks.md, session 9).
 */
const LOAD = { warmupSeconds: 2, segmentSeconds: QUICK ? 1 : 1.5, rounds: QUICK ? 4 : 8 };
const SIGNIN = { warmupSeconds: 2, segmentSeconds: QUICK ? 1.5 : 2, rounds: QUICK ? 4 : 8 };
/**
 * Before the sign-ins are measured, the server makes this many (or runs this long): V8
 * optimises the sign-in's own code (the JSON body, the route, the sign-in service, its writes,
 * the cookie) only after 2,000–3,000 of them, and until then its main thread spends 1.1–1.4 ms
 * a sign-in instead of 0.7–0.8 (docs/benchmarks.md, session 10). A deployed server has long
 * since done that, and argon2 alone (native code) has nothing to warm.
 */
const SIGNIN_WARMUP = { signIns: 3000, maxSeconds: 40 };
const SIGNIN_USERS = 8;
const SIGNIN_CONNECTIONS = 8;
const PASSWORD = 'bench-password-1';
const CORES = os.availableParallelism();
const ARGON2 = { memoryKib: 19456, iterations: 2 };
/** Search terms: usernames and prefixes of few people, a nonsense word (matches nobody). */
const FEW = ['user012173', 'user01999', 'user00123', 'user007', 'nobody-matches-this'];
/** A surname, a first name, the mail domain, a single letter, a prefix of 10,000 usernames. */
const MANY = ['smith', 'anna', 'example', 'o', 'user0'];

const CSV_ACTOR: Actor = { ...SYSTEM_ACTOR, label: 'bench', gate: 'csv' };

interface Prepared {
  key: string;
  /** A key of a person with no grants: lists show them active accounts only. */
  plainKey: string;
  ids: number[];
  signInUsers: string[];
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function prepare(engine: Engine, log: (s: string) => void): Promise<Prepared> {
  const db = await freshBenchDatabase(engine);
  try {
    const { app } = db;
    log(`${engine}: making ${N.toLocaleString('en-GB')} people, an administrator, an API key…`);
    const res = await app.core.batch.apply(CSV_ACTOR, personRows(N), { origin: 'bench' });
    if (!res.applied) throw new Error(`seeding failed: ${JSON.stringify(res.summary)}`);
    const adminId = await createAdministrator(app, SYSTEM_ACTOR, 'benchadmin', PASSWORD);
    const { key } = await app.apiKeys.create(SYSTEM_ACTOR, adminId, 'bench', null);
    const signInUsers: string[] = [];
    for (let i = 0; i < SIGNIN_USERS; i++) {
      const username = `signin${i}`;
      await app.core.people.create(SYSTEM_ACTOR, {
        username,
        firstname: 'Sign',
        surname: `In ${i}`,
        email: `${username}@example.net`,
        password: PASSWORD,
      });
      signInUsers.push(username);
    }
    const ids = res.outcomes.map((o) => o.person_id!);
    const plainKey = (await app.apiKeys.create(SYSTEM_ACTOR, ids[0]!, 'bench-plain', null)).key;
    await db.closeApp();
    if (db.env.DATABASE_URL) {
      // What autovacuum does by itself within a minute of a large import (insert threshold):
      // statistics for the planner and the visibility map for index-only scans.
      const c = new pg.Client({ connectionString: db.env.DATABASE_URL });
      await c.connect();
      await c.query('VACUUM ANALYZE');
      await c.end();
    }
    return { key, plainKey, ids, signInUsers, env: db.env, drop: () => db.drop() };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

/** Client-side latency of each path, one request at a time; throws on a non-200 answer. */
async function latencies(server: BenchServer, key: string, paths: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const p of paths) {
    const t0 = performance.now();
    const res = await fetch(server.url + p, { headers: { authorization: `Bearer ${key}` } });
    const body = await res.arrayBuffer();
    out.push(performance.now() - t0);
    if (res.status !== 200)
      throw new Error(`${p}: ${res.status} ${Buffer.from(body).toString().slice(0, 200)}`);
  }
  return out;
}

function load(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err as Error) : resolve(result)));
  });
}

/** A side that runs autocannon against `srv` for a segment; CPU of the server process. */
function loadSide(what: string, srv: BenchServer, opts: autocannon.Options): Side {
  return {
    async segment(seconds) {
      const cpu0 = processCpuMs(srv.pid);
      const own0 = ownCpuMs();
      const t0 = performance.now();
      const r = await load({ ...opts, url: srv.url + (opts.url ?? ''), duration: seconds });
      const wall = (performance.now() - t0) / 1000;
      if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0)
        throw new Error(
          `${what}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts`,
        );
      // Answers still in flight when the load stops are the server's work of this segment.
      await new Promise((res) => setTimeout(res, 100));
      return {
        ops: r.requests.total,
        seconds: Math.min(wall, r.duration) || wall,
        cpuMs: processCpuMs(srv.pid) - cpu0,
        clientCpuMs: ownCpuMs() - own0,
      };
    },
  };
}

/**
 * A side that sends POST requests through post-load.ts for a segment; CPU of the server
 * process. Like the verifies alone, a segment ends at its last answer and counts every one,
 * so the server's CPU of the segment is that of its operations.
 */
function postSide(
  what: string,
  srv: BenchServer,
  opts: Pick<PostLoadOptions, 'connections' | 'requests'>,
): Side {
  return {
    async segment(seconds) {
      const cpu0 = processCpuMs(srv.pid);
      const own0 = ownCpuMs();
      const r = await postLoad({ ...opts, url: srv.url, seconds });
      const cpuMs = processCpuMs(srv.pid) - cpu0;
      const clientCpuMs = ownCpuMs() - own0;
      const other = [...r.statuses].filter(([status]) => status < 200 || status > 299);
      if (other.length > 0)
        throw new Error(`${what}: answers ${other.map(([s, n]) => `${n} × ${s}`).join(', ')}`);
      return { ops: r.ops, seconds: r.seconds, cpuMs, clientCpuMs };
    },
  };
}

/** A side that sends `paths` one at a time (latencies), CPU of the server process. */
function latencySide(srv: BenchServer, key: string, paths: () => string[]): Side {
  return {
    async segment() {
      const ps = paths();
      const cpu0 = processCpuMs(srv.pid);
      const t0 = performance.now();
      const lat = await latencies(srv, key, ps);
      return {
        ops: ps.length,
        seconds: (performance.now() - t0) / 1000,
        cpuMs: processCpuMs(srv.pid) - cpu0,
        latencies: lat,
      };
    },
  };
}

const med = (xs: number[]) => percentile(xs, 50).toFixed(1);
const clientCpu = (r: { product: { clientCpuPerOp: number | null } }) =>
  r.product.clientCpuPerOp?.toFixed(3) ?? '?';

interface Servers {
  product: BenchServer;
  raw: BenchServer;
}

/** The measured figures against the two running servers, in order. */
async function phases(
  engine: Engine,
  s: Servers,
  prep: Prepared,
  log: (line: string) => void,
): Promise<{ rows: RatioRow[]; memory: string[] }> {
  const rows: RatioRow[] = [];
  const memory: string[] = [];
  const mem = (phase: string) => memory.push(`${phase} ${s.product.peakRssMb().toFixed(0)}`);
  mem('started');
  const rnd = seededRandom(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const latencyRounds = { warmupSeconds: 0, segmentSeconds: 0, rounds: LATENCY_ROUNDS };

  // Warm-up: the first requests compile routes, serializers and query plans.
  const warm = [
    ...Array.from({ length: 20 }, (_, i) => `/users?limit=200&offset=${i * (N / 20)}`),
    ...[...FEW, ...MANY].map((q) => `/users?q=${encodeURIComponent(q)}`),
  ];
  await latencies(
    s.product,
    prep.key,
    warm.map((p) => API + p),
  );
  await latencies(s.raw, prep.key, warm);

  log(`${engine}: list pages of 200 at random offsets, product and plain SQL alternating…`);
  // Both sides of a round get the same offsets.
  let listPaths: string[] = [];
  const nextList = () =>
    (listPaths = Array.from(
      { length: LATENCY_SEGMENT },
      () => `/users?limit=200&offset=${Math.floor(rnd() * (N - 199))}`,
    ));
  const list = await alternate(
    latencySide(s.product, prep.key, () => nextList().map((p) => API + p)),
    latencySide(s.raw, prep.key, () => listPaths),
    latencyRounds,
  );
  rows.push(
    ratioRow({
      figure: `GET /users?limit=200 at offsets 0..${N - 200}, p95, 1 connection, vs plain LIMIT/OFFSET + count`,
      engine,
      product: percentile(list.product.latencies, 95),
      baseline: percentile(list.baseline.latencies, 95),
      unit: 'ms',
      target: { op: '<=', value: 0.75 },
      cpuPerOp: { product: list.product.cpuPerOp, baseline: list.baseline.cpuPerOp },
      note: `medians ${med(list.product.latencies)} / ${med(list.baseline.latencies)} ms, ${list.product.ops} requests a side`,
    }),
  );
  // What every other reader of the staff list gets: active accounts only.
  const plain = await alternate(
    latencySide(s.product, prep.plainKey, () => nextList().map((p) => API + p)),
    latencySide(s.raw, prep.key, () => listPaths),
    { ...latencyRounds, rounds: 2 },
  );
  rows.push(
    ratioRow({
      figure: 'the same list as a user without grants (blocked aside), p95',
      engine,
      product: percentile(plain.product.latencies, 95),
      baseline: percentile(plain.baseline.latencies, 95),
      unit: 'ms',
      cpuPerOp: { product: plain.product.cpuPerOp, baseline: plain.baseline.cpuPerOp },
      note: "the raw side lists everyone; the target is on the administrator's list above",
    }),
  );
  mem('list');

  log(`${engine}: searches, product and plain LIKE alternating…`);
  let searchPaths: string[] = [];
  const nextSearch = () =>
    (searchPaths = Array.from(
      { length: LATENCY_SEGMENT },
      (_, i) => `/users?q=${encodeURIComponent(pick(i % 2 === 0 ? FEW : MANY))}`,
    ));
  const search = await alternate(
    latencySide(s.product, prep.key, () => nextSearch().map((p) => API + p)),
    latencySide(s.raw, prep.key, () => searchPaths),
    latencyRounds,
  );
  rows.push(
    ratioRow({
      figure:
        'GET /users?q= (terms matching few and many people), p95, 1 connection, vs plain LIKE + count',
      engine,
      product: percentile(search.product.latencies, 95),
      baseline: percentile(search.baseline.latencies, 95),
      unit: 'ms',
      target: { op: '<=', value: 0.5 },
      cpuPerOp: { product: search.product.cpuPerOp, baseline: search.baseline.cpuPerOp },
      note: `medians ${med(search.product.latencies)} / ${med(search.baseline.latencies)} ms; terms ${[...FEW, ...MANY].map((x) => `"${x}"`).join(', ')}; limit 20`,
    }),
  );
  mem('search');

  log(`${engine}: GET /users/{id} at 10 connections, product and raw server alternating…`);
  const byIdOpts = (prefix: string): autocannon.Options => ({
    url: '',
    connections: 10,
    headers: { authorization: `Bearer ${prep.key}` },
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: `${prefix}/users/${pick(prep.ids)}` }),
      },
    ],
  });
  const byId = await alternate(
    loadSide('GET /users/{id}', s.product, byIdOpts(API)),
    loadSide('raw GET /users/{id}', s.raw, byIdOpts('')),
    LOAD,
  );
  const byIdRates = medianRates(byId);
  rows.push(
    ratioRow({
      figure: 'GET /users/{id}, API key, 10 connections, vs the raw node:http server',
      engine,
      product: byIdRates.product,
      baseline: byIdRates.baseline,
      unit: 'req/s',
      target: { op: '>=', value: 0.5 },
      cpuPerOp: { product: byId.product.cpuPerOp, baseline: byId.baseline.cpuPerOp },
      note: `medians of ${LOAD.rounds} segments of ${LOAD.segmentSeconds} s a side: product ${spread(byId.product.rates)}, raw ${spread(byId.baseline.rates)} req/s; pairs' median ratio ${byIdRates.pairRatio.toFixed(2)}, totals' ${(byId.product.rate / byId.baseline.rate).toFixed(2)}; autocannon in the bench process, each server in its own (load generator's CPU ${clientCpu(byId)} ms a request)`,
    }),
  );
  mem('by-id');

  log(`${engine}: password sign-ins against argon2id verifies alone, alternating…`);
  const bodies = prep.signInUsers.map((u) => JSON.stringify({ username: u, password: PASSWORD }));
  // The eight accounts in turn, each request's bytes made once (post-load.ts); the server's
  // work is the same as for any client.
  const signIn = postSide('POST /api/session', s.product, {
    connections: SIGNIN_CONNECTIONS,
    requests: bodies.map((body) => ({
      method: 'POST',
      path: '/api/session',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  });
  // The product's own warm-up (SIGNIN_WARMUP), before both sides' usual one.
  const warmStart = performance.now();
  let warmed = 0;
  while (
    warmed < SIGNIN_WARMUP.signIns &&
    performance.now() - warmStart < SIGNIN_WARMUP.maxSeconds * 1000
  )
    warmed += (await signIn.segment(2)).ops;
  const hash = await argon2Hash(PASSWORD, {
    algorithm: 2, // argon2id
    memoryCost: ARGON2.memoryKib,
    timeCost: ARGON2.iterations,
    parallelism: 1,
  });
  // As many at a time as the server's lanes (src/auth/passwords.ts: one per core and one
  // more), so both sides run at the same concurrency.
  const verifies: Side = {
    async segment(seconds) {
      const cpu0 = ownCpuMs();
      const t0 = performance.now();
      const stop = t0 + seconds * 1000;
      let ops = 0;
      await Promise.all(
        Array.from({ length: ARGON2_LANES }, async () => {
          while (performance.now() < stop) {
            if (!(await argon2Verify(hash, PASSWORD))) throw new Error('argon2 verify failed');
            ops++;
          }
        }),
      );
      return { ops, seconds: (performance.now() - t0) / 1000, cpuMs: ownCpuMs() - cpu0 };
    },
  };
  const signIns = await alternate(signIn, verifies, SIGNIN);
  const signInRates = medianRates(signIns);
  // With argon2 on every core, the rate is bound by CPU: what the product could reach if
  // the cores did nothing but the server's and the load generator's work of each sign-in.
  const cpuBound =
    signIns.baseline.cpuPerOp / (signIns.product.cpuPerOp + (signIns.product.clientCpuPerOp ?? 0));
  rows.push(
    ratioRow({
      figure: `password sign-ins, ${SIGNIN_CONNECTIONS} connections, vs argon2id verifies alone (m=${ARGON2.memoryKib} KiB t=${ARGON2.iterations} p=1, ${ARGON2_LANES} at a time on ${CORES} cores)`,
      engine,
      product: signInRates.product,
      baseline: signInRates.baseline,
      unit: '/s',
      target: { op: '>=', value: 0.85 },
      cpuPerOp: { product: signIns.product.cpuPerOp, baseline: signIns.baseline.cpuPerOp },
      note: `medians of ${SIGNIN.rounds} segments of ${SIGNIN.segmentSeconds} s a side: product ${spread(signIns.product.rates, 1)}, raw ${spread(signIns.baseline.rates, 1)} /s on ${CORES} cores; pairs' median ratio ${signInRates.pairRatio.toFixed(2)}, totals' ${(signIns.product.rate / signIns.baseline.rate).toFixed(2)}; after ${warmed} sign-ins of warm-up; load generator (post-load.ts) ${clientCpu(signIns)} ms CPU a sign-in; CPU-bound ratio (verify CPU / server + load generator CPU a sign-in) ${cpuBound.toFixed(2)}, the server's alone ${(signIns.baseline.cpuPerOp / signIns.product.cpuPerOp).toFixed(2)}`,
    }),
  );
  // Sign-ins still queued when the load stopped finish before the servers are stopped.
  await new Promise((r) => setTimeout(r, 1000));
  mem('sign-in');
  return { rows, memory };
}

const SERVER_ENV = {
  GATEHOUSE_SIGNIN_RATE_PER_MINUTE: '1000000',
  GATEHOUSE_ARGON2_MEMORY_KIB: String(ARGON2.memoryKib),
  GATEHOUSE_ARGON2_ITERATIONS: String(ARGON2.iterations),
};

async function measureEngine(engine: Engine, log: (s: string) => void): Promise<RatioRow[]> {
  const prep = await prepare(engine, log);
  let product: BenchServer | undefined;
  let raw: BenchServer | undefined;
  try {
    product = await startServer({ ...prep.env, ...SERVER_ENV });
    raw = await startServer(
      prep.env.DATABASE_URL
        ? { RAW_PG_URL: prep.env.DATABASE_URL }
        : { RAW_SQLITE_FILE: path.join(prep.env.GATEHOUSE_DATA_DIR!, 'gatehouse.db') },
      { command: ['--import', 'tsx', 'bench/lib/raw-server.ts'] },
    );
    const done = await phases(engine, { product, raw }, prep, log);
    return [
      ...done.rows,
      ratioRow({
        figure: 'server peak RSS through all of the above, vs the raw server',
        engine,
        product: product.peakRssMb(),
        baseline: raw.peakRssMb(),
        unit: 'MB',
        target: { op: '<=', value: 250, of: 'product' },
        note: `VmHWM of the server after each step (MB): ${done.memory.join(', ')}; RSS at the end ${product.rssMb().toFixed(0)} MB; the raw server runs under tsx's loader`,
      }),
    ];
  } finally {
    await product?.stop();
    await raw?.stop();
    await prep.drop();
  }
}

export async function run(log: (line: string) => void): Promise<RatioRow[]> {
  const rows: RatioRow[] = [];
  for (const engine of ENGINES) rows.push(...(await measureEngine(engine, log)));
  return rows;
}
