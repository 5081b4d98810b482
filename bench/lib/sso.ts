/**
 * What the SSO benchmarks share (bench/sso.bench.ts for OIDC, bench/saml.bench.ts for SAML):
 * one in-process Gatehouse server on a fresh database with a password account, and the
 * measure itself — a fixed number of prepared logins at 4 connections, then the same
 * server's password sign-ins (POST /api/session, argon2id) for the baseline. Each login is
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

export const CONNECTIONS = 4;
export const SIGNIN_SECONDS = process.env.BENCH_QUICK === '1' ? 3 : 8;
const PASSWORD_USER = { username: 'benchadmin', password: 'bench-password-1' };

export interface SsoFigure {
  name: string;
  /** SSO logins/s (callback or ACS to session cookie). */
  value: number;
  /** The same server's password sign-ins/s. */
  baseline: number;
  ratio: number;
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

/**
 * Completes every prepared login at CONNECTIONS connections (each must answer 303 with a
 * session), then measures password sign-ins on the same server for the baseline.
 */
export async function measureBesideSignIns(
  s: BenchServer,
  logins: PreparedLogin[],
  name: string,
): Promise<SsoFigure> {
  let next = 0;
  const sessionsBefore = (await s.app.store.db.selectFrom('sessions').select('id').execute())
    .length;
  const t0 = performance.now();
  const r = await load({
    url: s.url,
    connections: CONNECTIONS,
    amount: logins.length,
    requests: [
      {
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
  const seconds = (performance.now() - t0) / 1000;
  if (r['3xx'] !== logins.length || r.errors > 0)
    throw new Error(
      `${name}: ${r['3xx']} of ${logins.length} redirects, ${r['4xx']} 4xx, ${r['5xx']} 5xx, ${r.errors} errors`,
    );
  const sessions = (await s.app.store.db.selectFrom('sessions').select('id').execute()).length;
  if (sessions - sessionsBefore < logins.length)
    throw new Error(
      `${name}: only ${sessions - sessionsBefore} sessions for ${logins.length} logins`,
    );

  const p = await load({
    url: s.url,
    connections: CONNECTIONS,
    duration: SIGNIN_SECONDS,
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
  const value = logins.length / seconds;
  const baseline = p.requests.total / SIGNIN_SECONDS;
  return { name, value, baseline, ratio: value / baseline };
}
