/**
 * What the SSO benchmarks share (bench/sso.bench.ts for OIDC, bench/saml.bench.ts for SAML):
 * one in-process Gatehouse server on a fresh database with a password account, and the
 * measure itself — prepared logins at 4 connections, alternating with the same server's
 * password sign-ins (POST /api/session, argon2id), the baseline. Each login is
 * single use (a code and state, or a response and its login request), so they are prepared
 * before the load; every one carries the browser binding cookie of the browser that
 * started it, as a real browser would.
 */
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { buildServer } from '../../src/server.ts';
import { createAdministrator } from '../../src/bootstrap.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { freshDatabase } from '../../test/helpers/engine.ts';
import type { Engine } from './people.ts';
import { alternate, ownCpuMs, spread, type Side } from './alternate.ts';

export const CONNECTIONS = 4;
export const PASSWORD_USER = { username: 'benchadmin', password: 'bench-password-1' };

export interface SsoFigure {
  name: string;
  /** SSO logins/s (callback or ACS to session cookie). */
  value: number;
  /** The same server's password sign-ins/s. */
  baseline: number;
  ratio: number;
  /** CPU ms of this process per login and per password sign-in. */
  cpuPerOp: { product: number; baseline: number };
  /** Per-segment rates, "min–max". */
  spread: { product: string; baseline: string };
}

export interface BenchServer {
  app: App;
  url: string;
  close(): Promise<void>;
}

export function load(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err as Error) : resolve(result)));
  });
}

export async function startBenchServer(engine: Engine): Promise<BenchServer> {
  const db = await freshDatabase(engine);
  const app = await createApp(
    loadConfig({
      LOG_LEVEL: 'silent',
      GATEHOUSE_SECRET_KEY: '7c'.repeat(32),
      GATEHOUSE_SIGNIN_RATE_PER_MINUTE: '1000000',
      GATEHOUSE_SSO_RATE_PER_MINUTE: '1000000',
      ...db.env,
    }),
  );
  const server = await buildServer(app, { logger: false });
  await server.listen({ port: 0, host: '127.0.0.1' });
  await createAdministrator(app, SYSTEM_ACTOR, PASSWORD_USER.username, PASSWORD_USER.password);
  return {
    app,
    url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    close: async () => {
      await server.close();
      await app.close();
      await db.drop();
    },
  };
}

/** The binding cookie (`name=value`) a GET /sso/{id}/login answer sets, for the next hops. */
export function bindingCookie(res: Response): string | undefined {
  return res.headers
    .getSetCookie()
    .find((c) => c.startsWith('gh_sso_browser='))
    ?.split(';')[0];
}

/** One prepared login: the request that completes it, from the browser that started it. */
export interface PreparedLogin {
  method: 'GET' | 'POST';
  path: string;
  cookie: string;
  /** For a POST: the form body. */
  body?: string;
}

const QUICK = process.env.BENCH_QUICK === '1';
/** Alternating segments (bench/lib/alternate.ts): the machine's load falls on both sides. */
const ROUNDS = QUICK ? 4 : 6;
const SEGMENT_SECONDS = QUICK ? 1.5 : 2.5;

/** Completes these prepared logins at CONNECTIONS connections; each must end in a session. */
async function loginSegment(s: BenchServer, logins: PreparedLogin[], name: string) {
  let next = 0;
  const db = s.app.store.db;
  const sessionsBefore = (await db.selectFrom('sessions').select('id').execute()).length;
  const cpu0 = ownCpuMs();
  const t0 = performance.now();
  // autocannon ends an `amount` run at its next one-second tick: time the last answer instead.
  let last = t0;
  const r = await load({
    url: s.url,
    connections: CONNECTIONS,
    amount: logins.length,
    requests: [
      {
        onResponse: () => {
          last = performance.now();
        },
        setupRequest: (req) => {
          const l = logins[next++]!;
          return {
            ...req,
            method: l.method,
            path: l.path,
            headers: {
              ...req.headers,
              cookie: l.cookie,
              ...(l.body !== undefined
                ? { 'content-type': 'application/x-www-form-urlencoded' }
                : {}),
            },
            ...(l.body !== undefined ? { body: l.body } : {}),
          };
        },
      },
    ],
  });
  const seconds = (last - t0) / 1000;
  const cpuMs = ownCpuMs() - cpu0;
  if (r['3xx'] !== logins.length || r.errors > 0)
    throw new Error(
      `${name}: ${r['3xx']} of ${logins.length} redirects, ${r['4xx']} 4xx, ${r['5xx']} 5xx, ${r.errors} errors`,
    );
  const sessions = (await db.selectFrom('sessions').select('id').execute()).length;
  if (sessions - sessionsBefore < logins.length)
    throw new Error(
      `${name}: only ${sessions - sessionsBefore} sessions for ${logins.length} logins`,
    );
  return { ops: logins.length, seconds, cpuMs };
}

async function signInSegment(s: BenchServer, seconds: number) {
  const cpu0 = ownCpuMs();
  const p = await load({
    url: s.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/api/session',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(PASSWORD_USER),
      },
    ],
  });
  if (p.non2xx > 0 || p.errors > 0)
    throw new Error(`sign-in: ${p.non2xx} non-2xx, ${p.errors} errors`);
  return { ops: p.requests.total, seconds, cpuMs: ownCpuMs() - cpu0 };
}

/**
 * The prepared logins against the same server's password sign-ins, in alternating segments
 * after a warm-up of each: the logins split into ROUNDS + 1 slices (the first warms up), each
 * sign-in segment SEGMENT_SECONDS long. CPU is this process's (server, and the in-process
 * IdP and load generator alike, on both sides).
 */
export async function measureBesideSignIns(
  s: BenchServer,
  logins: PreparedLogin[],
  name: string,
): Promise<SsoFigure> {
  const per = Math.floor(logins.length / (ROUNDS + 1));
  if (per < CONNECTIONS) throw new Error(`${name}: too few prepared logins for ${ROUNDS} rounds`);
  let slice = 0;
  const product: Side = {
    segment: () => loginSegment(s, logins.slice(per * slice, per * ++slice), name),
  };
  const baseline: Side = { segment: (seconds) => signInSegment(s, seconds) };
  const { product: p, baseline: b } = await alternate(product, baseline, {
    warmupSeconds: 1,
    segmentSeconds: SEGMENT_SECONDS,
    rounds: ROUNDS,
  });
  return {
    name,
    value: p.rate,
    baseline: b.rate,
    ratio: p.rate / b.rate,
    cpuPerOp: { product: p.cpuPerOp, baseline: b.cpuPerOp },
    spread: { product: spread(p.rates), baseline: spread(b.rates) },
  };
}
