/**
 * The People API and sign-in over HTTP, against the real server in a child process on a
 * database of 100,000 people, per engine:
 * - GET /api/people/v2/users?limit=200 at offsets across the whole list (p95 latency);
 * - GET /users?q=… with terms that match few and many people (p95 latency);
 * - GET /users/{id} with an API key at 10 connections (requests/s, autocannon);
 * - POST /api/session with the right password (sign-ins/s at OWASP's argon2id parameters);
 * - the server's peak resident memory through all of the above.
 * Latencies are measured by the client, one request at a time, after a short warm-up.
 */
import os from 'node:os';
import autocannon from 'autocannon';
import { createAdministrator } from '../src/bootstrap.ts';
import { SYSTEM_ACTOR, type Actor } from '../src/core/context.ts';
import { ENGINES, freshBenchDatabase, personRows, usernameOf, type Engine } from './lib/people.ts';
import { startServer, type BenchServer } from './lib/server.ts';
import { percentile, seededRandom } from './lib/stats.ts';
import type { Row } from './lib/types.ts';

export const title = 'People API and sign-in over HTTP';
export const timeoutMs = 12 * 60_000;

const N = 100_000;
const API = '/api/people/v2';
const LIST_REQUESTS = 200;
const SEARCH_REQUESTS = 200;
const LOAD_SECONDS = 10;
const SIGNIN_USERS = 8;
const PASSWORD = 'bench-password-1';
const CORES = os.availableParallelism();
/** Search terms: a username, a username prefix, a surname, a first name, a domain, nothing. */
const FEW = ['user042173', 'user09999', 'user00123', 'user07', 'nobody-matches-this'];
const MANY = ['smith', 'anna', 'example', 'o', 'user0'];

interface Prepared {
  key: string;
  ids: number[];
  signInUsers: string[];
}

const CSV_ACTOR: Actor = { ...SYSTEM_ACTOR, label: 'bench', gate: 'csv' };

async function prepare(
  engine: Engine,
  log: (s: string) => void,
): Promise<Prepared & { env: Record<string, string>; drop(): Promise<void> }> {
  const db = await freshBenchDatabase(engine);
  const { app } = db;
  log(`${engine}: making ${N.toLocaleString('en-GB')} people, an administrator and an API key…`);
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
  await db.closeApp();
  return { key, ids, signInUsers, env: db.env, drop: () => db.drop() };
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

async function measureEngine(engine: Engine, log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const prep = await prepare(engine, log);
  const server = await startServer({
    ...prep.env,
    GATEHOUSE_SIGNIN_RATE_PER_MINUTE: '1000000',
    GATEHOUSE_ARGON2_MEMORY_KIB: '19456',
    GATEHOUSE_ARGON2_ITERATIONS: '2',
  });
  try {
    const rnd = seededRandom(42);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    // Warm-up: the first requests compile routes, serializers and query plans.
    await latencies(server, prep.key, [
      ...Array.from({ length: 20 }, (_, i) => `${API}/users?limit=200&offset=${i * 5000}`),
      ...[...FEW, ...MANY].map((q) => `${API}/users?q=${encodeURIComponent(q)}`),
    ]);

    log(`${engine}: ${LIST_REQUESTS} list pages of 200 at offsets across 0..${N - 200}…`);
    const offsets = Array.from({ length: LIST_REQUESTS }, () => Math.floor(rnd() * (N - 199)));
    const list = await latencies(
      server,
      prep.key,
      offsets.map((o) => `${API}/users?limit=200&offset=${o}`),
    );
    rows.push({
      measure: `${engine}: GET /users?limit=200&offset=0..${N - 200}, p95`,
      value: percentile(list, 95),
      unit: 'ms',
      target: { op: '<=', value: 20 },
      note: `median ${percentile(list, 50).toFixed(1)} ms, max ${Math.max(...list).toFixed(1)} ms, ${LIST_REQUESTS} requests`,
    });

    log(`${engine}: ${SEARCH_REQUESTS} searches…`);
    for (const [label, terms] of [
      ['few', FEW],
      ['many', MANY],
    ] as const) {
      const paths = Array.from(
        { length: SEARCH_REQUESTS / 2 },
        () => `${API}/users?q=${encodeURIComponent(pick(terms))}`,
      );
      const t = await latencies(server, prep.key, paths);
      rows.push({
        measure: `${engine}: GET /users?q= (terms matching ${label} people), p95`,
        value: percentile(t, 95),
        unit: 'ms',
        target: { op: '<=', value: 50 },
        note: `median ${percentile(t, 50).toFixed(1)} ms, max ${Math.max(...t).toFixed(1)} ms; terms ${terms.map((x) => `"${x}"`).join(', ')}; default limit 20`,
      });
    }

    log(`${engine}: GET /users/{id} at 10 connections for ${LOAD_SECONDS} s…`);
    const ids = prep.ids;
    const byId = await load({
      url: server.url,
      connections: 10,
      duration: LOAD_SECONDS,
      headers: { authorization: `Bearer ${prep.key}` },
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({ ...req, path: `${API}/users/${pick(ids)}` }),
        },
      ],
    });
    if (byId.non2xx > 0 || byId.errors > 0)
      throw new Error(`GET /users/{id}: ${byId.non2xx} non-2xx answers, ${byId.errors} errors`);
    rows.push({
      measure: `${engine}: GET /users/{id}, API key, 10 connections`,
      value: byId.requests.average,
      unit: 'req/s',
      target: { op: '>=', value: 4000 },
      note: `p99 latency ${byId.latency.p99} ms, ${byId.requests.total.toLocaleString('en-GB')} requests in ${LOAD_SECONDS} s (autocannon in the bench process, server in its own)`,
    });

    log(`${engine}: password sign-ins for ${LOAD_SECONDS} s…`);
    const bodies = prep.signInUsers.map((u) => JSON.stringify({ username: u, password: PASSWORD }));
    const signIns = await load({
      url: `${server.url}/api/session`,
      connections: 8,
      duration: LOAD_SECONDS,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      requests: [{ setupRequest: (req) => ({ ...req, body: pick(bodies) }) }],
    });
    if (signIns.non2xx > 0 || signIns.errors > 0)
      throw new Error(
        `POST /api/session: ${signIns.non2xx} non-2xx answers, ${signIns.errors} errors`,
      );
    const total = signIns.requests.total / LOAD_SECONDS;
    rows.push({
      measure: `${engine}: password sign-ins (argon2id m=19456 KiB, t=2, p=1), per core`,
      value: total / CORES,
      unit: '/s',
      target: { op: '>=', value: 30 },
      note: `${total.toFixed(1)}/s in total on ${CORES} cores, 8 connections, p99 ${signIns.latency.p99} ms (Keycloak's sizing guide plans 15 per vCPU)`,
    });

    rows.push({
      measure: `${engine}: server peak RSS through all of the above`,
      value: server.peakRssMb(),
      unit: 'MB',
      target: { op: '<=', value: 250 },
      note: `VmHWM of the server process; RSS at the end ${server.rssMb().toFixed(0)} MB`,
    });
  } finally {
    await server.stop();
    await prep.drop();
  }
  return rows;
}

export async function run(log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  for (const engine of ENGINES) rows.push(...(await measureEngine(engine, log)));
  void usernameOf;
  return rows;
}
