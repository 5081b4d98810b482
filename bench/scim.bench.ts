/**
 * SCIM figures of issue 9, each beside the same server's People API in the same run:
 * 1. `GET /scim/v2/Users?filter=userName eq "…"` at 10 connections over 100,000 SCIM people
 *    (20,000 with BENCH_QUICK=1) vs `GET /api/people/v2/users/{id}`, alternating segments;
 *    target ≥ 0.8 × the People API's req/s.
 * 2. 10,000 users created by `POST /scim/v2/Users` at 10 connections (2,000 with
 *    BENCH_QUICK=1) vs as many by the People API's `POST /users`, in alternating quarters;
 *    target ≥ 0.8 × the People API's users/s.
 * 3. A PATCH adding 1,000 members to a group of 10,000, beside one adding a single member;
 *    target: well within Entra's 60 s.
 */
import { newScimUserId } from '../src/core/scim/ids.ts';
import autocannon from 'autocannon';
import pg from 'pg';
import { ENGINES, freshBenchDatabase, personRows, usernameOf, type Engine } from './lib/people.ts';
import { startServer, type BenchServer } from './lib/server.ts';
import { alternate, processCpuMs, spread, type Side } from './lib/alternate.ts';
import { ratioRow, type RatioRow } from './lib/types.ts';
import { SYSTEM_ACTOR, type Actor } from '../src/core/context.ts';
import { createAdministrator } from '../src/bootstrap.ts';
import { createScimToken } from '../src/core/scim/tokens.ts';
import { DEFAULT_SCIM_MAPPING, filterRows } from '../src/core/scim/mapping.ts';
import { usernameKey } from '../src/core/normalize.ts';

export const title = 'SCIM 2.0 over HTTP';
export const timeoutMs = 15 * 60_000;

const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? 20_000 : 100_000;
/** Users each side creates in figure 2, in CREATE_ROUNDS alternating segments. */
const CREATES = QUICK ? 2_000 : 10_000;
const CREATE_ROUNDS = 4;
const LOAD = { warmupSeconds: 2, segmentSeconds: 3, rounds: 4 };
const ACTOR: Actor = { ...SYSTEM_ACTOR, label: 'bench', gate: 'csv' };

/** PATCH adding `add` members to a group of `size` (issue 9, figure 3), beside adding one. */
export interface GroupPatchFigure {
  name: string;
  /** Seconds for the PATCH adding 1,000 members. */
  value: number;
  /** Seconds for a PATCH adding one member to the same group. */
  baseline: number;
  ratio: number;
}

async function timed(url: string, token: string, method: string, body: unknown): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 200)}`);
  return (performance.now() - t0) / 1000;
}

async function groupPatchFigure(
  server: BenchServer,
  token: string,
  scimIds: string[],
): Promise<GroupPatchFigure> {
  const size = Math.min(10_000, scimIds.length - 2_000);
  const members = (from: number, n: number) =>
    scimIds.slice(from, from + n).map((value) => ({ value }));
  const res = await fetch(`${server.url}/scim/v2/Groups`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ displayName: 'Bench big group', members: members(0, size) }),
  });
  const group = (await res.json()) as { id: string };
  if (res.status !== 201) throw new Error(`group create: ${res.status} ${JSON.stringify(group)}`);
  const url = `${server.url}/scim/v2/Groups/${group.id}`;
  const patch = (value: unknown) => ({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'Add', path: 'members', value }],
  });
  const one = await timed(url, token, 'PATCH', patch(members(size, 1)));
  const many = await timed(url, token, 'PATCH', patch(members(size + 1, 1_000)));
  const oneAgain = await timed(url, token, 'PATCH', patch(members(size + 1_001, 1)));
  const baseline = (one + oneAgain) / 2;
  return {
    name: `PATCH adding 1,000 members to a group of ${size.toLocaleString('en-GB')}, vs adding one`,
    value: many,
    baseline,
    ratio: many / baseline,
  };
}

/** Users created by POST over SCIM (issue 9, figure 2), beside the People API's POST /users. */
export interface CreateFigure {
  name: string;
  /** SCIM creates, users/s. */
  value: number;
  /** People API creates, users/s. */
  baseline: number;
  cpuPerOp: number;
  baselineCpuPerOp: number;
  rates: number[];
  baselineRates: number[];
}

/** A side that creates `amount` users a segment (the segment's seconds are what it took). */
function createSide(
  what: string,
  srv: BenchServer,
  amount: number,
  opts: { path: string; authorization: string; body: (n: number) => unknown },
): Side {
  let n = 0;
  return {
    async segment() {
      const cpu0 = processCpuMs(srv.pid);
      const t0 = performance.now();
      let last = t0;
      const r = await load(
        {
          url: srv.url,
          connections: 10,
          amount,
          headers: { authorization: opts.authorization, 'content-type': 'application/json' },
          requests: [
            {
              method: 'POST',
              path: opts.path,
              setupRequest: (req) => ({ ...req, body: JSON.stringify(opts.body(n++)) }),
            },
          ],
        },
        // autocannon reports on its one-second tick: a segment ends at its last answer.
        () => (last = performance.now()),
      );
      const wall = (last - t0) / 1000;
      if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0)
        throw new Error(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
      await new Promise((res) => setTimeout(res, 100));
      return { ops: r.requests.total, seconds: wall, cpuMs: processCpuMs(srv.pid) - cpu0 };
    },
  };
}

async function createFigure(
  server: BenchServer,
  token: string,
  key: string,
): Promise<CreateFigure> {
  const perSegment = CREATES / CREATE_ROUNDS;
  const scim = createSide('POST /scim/v2/Users', server, perSegment, {
    path: '/scim/v2/Users',
    authorization: `Bearer ${token}`,
    // As Okta creates a user (test/scim/helpers.ts oktaUser), without the password.
    body: (n) => ({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `scim.new${n}@example.org`,
      name: { givenName: 'Scim', familyName: `New ${n}` },
      emails: [{ primary: true, value: `scim.new${n}@example.org`, type: 'work' }],
      displayName: `Scim New ${n}`,
      externalId: `00unew${n}`,
      active: true,
    }),
  });
  const api = createSide('POST /api/people/v2/users', server, perSegment, {
    path: '/api/people/v2/users',
    authorization: `Bearer ${key}`,
    body: (n) => ({
      username: `api.new${n}@example.org`,
      firstname: 'Api',
      surname: `New ${n}`,
      email: `api.new${n}@example.org`,
    }),
  });
  // No warm-up: every user made counts, and the lookups before warmed the server.
  const r = await alternate(scim, api, {
    warmupSeconds: 0,
    segmentSeconds: 0,
    rounds: CREATE_ROUNDS,
  });
  return {
    name: `${CREATES.toLocaleString('en-GB')} users created by POST /scim/v2/Users, 10 connections, vs POST /api/people/v2/users (same server)`,
    value: r.product.rate,
    baseline: r.baseline.rate,
    cpuPerOp: r.product.cpuPerOp,
    baselineCpuPerOp: r.baseline.cpuPerOp,
    rates: r.product.rates,
    baselineRates: r.baseline.rates,
  };
}

export interface ScimFigure {
  name: string;
  /** SCIM filter lookups, req/s. */
  value: number;
  /** The same server's GET /api/people/v2/users/{id}, req/s. */
  baseline: number;
  ratio: number;
  detail: { rates: number[]; baselineRates: number[]; cpuPerOp: number; baselineCpuPerOp: number };
  group: GroupPatchFigure;
  create: CreateFigure;
}

function load(opts: autocannon.Options, onResponse?: () => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) =>
      err ? reject(err as Error) : resolve(result),
    );
    if (onResponse) instance.on('response', onResponse);
  });
}

function side(what: string, srv: BenchServer, opts: autocannon.Options): Side {
  return {
    async segment(seconds) {
      const cpu0 = processCpuMs(srv.pid);
      const t0 = performance.now();
      const r = await load({ ...opts, url: srv.url, duration: seconds });
      const wall = (performance.now() - t0) / 1000;
      if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0)
        throw new Error(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
      await new Promise((res) => setTimeout(res, 100));
      return { ops: r.requests.total, seconds: wall, cpuMs: processCpuMs(srv.pid) - cpu0 };
    },
  };
}

/** N people through the core's batch (as a sync's bulk create), each a SCIM user of one directory. */
async function seed(engine: Engine, log: (s: string) => void) {
  const db = await freshBenchDatabase(engine);
  const { app } = db;
  log(`${engine}: making ${N.toLocaleString('en-GB')} people and their SCIM resources…`);
  const res = await app.core.batch.apply(ACTOR, personRows(N), { origin: 'bench' });
  if (!res.applied) throw new Error(`seeding failed: ${JSON.stringify(res.summary)}`);
  const ids = res.outcomes.map((o) => o.person_id!);
  const dir = await app.core.directories.createDirectory(SYSTEM_ACTOR, {
    name: 'Bench IdP',
    type: 'scim',
    scim: { mapping: { ...DEFAULT_SCIM_MAPPING } },
    adopt_local_accounts: false,
    max_block_percent: 10,
    schedule: null,
  });
  const at = new Date().toISOString();
  const scimIds: string[] = [];
  for (let i = 0; i < N; i += 500) {
    const users = [];
    const values = [];
    for (let j = i; j < Math.min(N, i + 500); j++) {
      const userName = `${usernameOf(j)}@example.org`;
      const scimId = newScimUserId(); // as a create makes them (time-ordered)
      scimIds.push(scimId);
      const resource = {
        userName,
        name: { givenName: 'Bench', familyName: `Person ${j}` },
        emails: [{ value: userName, type: 'work', primary: true }],
        displayName: `Bench Person ${j}`,
      };
      users.push({
        scim_id: scimId,
        directory_id: dir.id,
        person_id: ids[j]!,
        user_name: userName,
        user_name_key: usernameKey(userName),
        external_id: `ext${j}`,
        display_name: resource.displayName,
        display_name_key: usernameKey(resource.displayName),
        name_formatted: null,
        active: 1,
        resource: JSON.stringify(resource),
        created_at: at,
        updated_at: at,
        version: 1,
      });
      values.push(...filterRows(resource, scimId, dir.id));
    }
    await app.store.db.insertInto('scim_users').values(users).execute();
    await app.store.db.insertInto('scim_values').values(values).execute();
  }
  const token = (await createScimToken(app.store.db, dir.id, 'http://127.0.0.1')).token;
  const adminId = await createAdministrator(app, SYSTEM_ACTOR, 'benchadmin', 'bench-password-1');
  const { key } = await app.apiKeys.create(SYSTEM_ACTOR, adminId, 'bench', null);
  await db.closeApp();
  if (db.env.DATABASE_URL) {
    const c = new pg.Client({ connectionString: db.env.DATABASE_URL });
    await c.connect();
    await c.query('VACUUM ANALYZE');
    await c.end();
  }
  return { ids, scimIds, token, key, env: db.env, drop: () => db.drop() };
}

/** The lookup figure on one engine: {name, value, baseline, ratio}. */
export async function scimLookupFigure(
  engine: Engine,
  log: (s: string) => void = () => {},
): Promise<ScimFigure> {
  const prep = await seed(engine, log);
  let server: BenchServer | undefined;
  try {
    server = await startServer(prep.env);
    let n = 0;
    const pickIndex = () => (n = (n * 7919 + 104_729) % N);
    const scim = side('SCIM filter lookup', server, {
      url: '',
      connections: 10,
      headers: { authorization: `Bearer ${prep.token}` },
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${usernameOf(pickIndex())}@example.org"`)}&startIndex=1&count=100`,
          }),
        },
      ],
    });
    const byId = side('GET /users/{id}', server, {
      url: '',
      connections: 10,
      headers: { authorization: `Bearer ${prep.key}` },
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `/api/people/v2/users/${prep.ids[pickIndex()]}`,
          }),
        },
      ],
    });
    log(`${engine}: SCIM lookups and GET /users/{id}, 10 connections, alternating…`);
    const r = await alternate(scim, byId, LOAD);
    log(`${engine}: a group of 10,000, PATCH adding 1,000 members and adding one…`);
    const group = await groupPatchFigure(server, prep.token, prep.scimIds);
    log(`${engine}: ${CREATES.toLocaleString('en-GB')} users by SCIM POST and by POST /users…`);
    const create = await createFigure(server, prep.token, prep.key);
    return {
      group,
      create,
      name: `GET /scim/v2/Users?filter=userName eq, 10 connections, ${N.toLocaleString('en-GB')} SCIM people, vs GET /api/people/v2/users/{id} (same server)`,
      value: r.product.rate,
      baseline: r.baseline.rate,
      ratio: r.product.rate / r.baseline.rate,
      detail: {
        rates: r.product.rates,
        baselineRates: r.baseline.rates,
        cpuPerOp: r.product.cpuPerOp,
        baselineCpuPerOp: r.baseline.cpuPerOp,
      },
    };
  } finally {
    await server?.stop();
    await prep.drop();
  }
}

export async function run(log: (line: string) => void): Promise<RatioRow[]> {
  const rows: RatioRow[] = [];
  for (const engine of ENGINES) {
    const f = await scimLookupFigure(engine, log);
    rows.push(
      ratioRow({
        figure: f.name,
        engine,
        product: f.value,
        baseline: f.baseline,
        unit: 'req/s',
        target: { op: '>=', value: 0.8 },
        cpuPerOp: { product: f.detail.cpuPerOp, baseline: f.detail.baselineCpuPerOp },
        note: `segments of ${LOAD.segmentSeconds} s: SCIM ${spread(f.detail.rates)}, People API ${spread(f.detail.baselineRates)} req/s`,
      }),
      ratioRow({
        figure: f.group.name,
        engine,
        product: f.group.value,
        baseline: f.group.baseline,
        unit: 's',
        // Entra gives a request 60 s: the big PATCH must answer well within it.
        target: { op: '<=', value: 10, of: 'product' },
        note: 'one request each, after the lookups; baseline: mean of a one-member PATCH before and after',
      }),
      ratioRow({
        figure: f.create.name,
        engine,
        product: f.create.value,
        baseline: f.create.baseline,
        unit: 'users/s',
        target: { op: '>=', value: 0.8 },
        cpuPerOp: { product: f.create.cpuPerOp, baseline: f.create.baselineCpuPerOp },
        note: `${CREATE_ROUNDS} alternating segments of ${(CREATES / CREATE_ROUNDS).toLocaleString('en-GB')} users: SCIM ${spread(f.create.rates)}, People API ${spread(f.create.baselineRates)} users/s`,
      }),
    );
  }
  return rows;
}
