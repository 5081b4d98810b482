/**
 * OIDC logins per second at 4 connections (issue 10, figure 1): GET /sso/{id}/callback to the
 * console session — the code exchange with a real OpenID Provider (oidc-provider, in this
 * process), the id_token's checks, the decision and the session — beside the same server's
 * password sign-ins (POST /api/session, argon2id) in the same run. An SSO login needs no
 * argon2, so expect several times more.
 *
 * Each callback carries its own authorization code and state (both single use), prepared by
 * walking the real authorize → interaction → redirect chain before the load starts.
 */
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app.ts';
import { buildServer } from '../src/server.ts';
import { createAdministrator } from '../src/bootstrap.ts';
import { SYSTEM_ACTOR } from '../src/core/context.ts';
import { freshDatabase } from '../test/helpers/engine.ts';
import { startOidcProvider } from '../test/helpers/oidc-provider.ts';
import { ENGINES, type Engine } from './lib/people.ts';
import { ratioRow, type RatioRow } from './lib/types.ts';

export const title = 'OIDC logins (callback to session) beside password sign-ins';
export const timeoutMs = 10 * 60_000;

const CONNECTIONS = 4;
const LOGINS = process.env.BENCH_QUICK === '1' ? 300 : 1000;
const SIGNIN_SECONDS = process.env.BENCH_QUICK === '1' ? 3 : 8;

export interface SsoFigure {
  name: string;
  /** OIDC logins/s (callback to session cookie). */
  value: number;
  /** The same server's password sign-ins/s. */
  baseline: number;
  ratio: number;
}

function load(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err as Error) : resolve(result)));
  });
}

/** Walks from our login start to the OP's redirect back; returns the callback path. */
async function callbackPath(
  start: string,
  ours: string,
  jar: Map<string, string>,
): Promise<string> {
  let url = start;
  for (let hop = 0; hop < 10; hop++) {
    const sameOp = !url.startsWith(ours);
    const res = await fetch(url, {
      redirect: 'manual',
      headers: sameOp ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {},
    });
    if (sameOp)
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair!.indexOf('=');
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
    await res.arrayBuffer();
    const next = new URL(res.headers.get('location') ?? '', url).href;
    if (next.startsWith(`${ours}/sso/`) && next.includes('/callback'))
      return next.slice(ours.length);
    url = next;
  }
  throw new Error('the OpenID Provider did not redirect back');
}

export async function measureOidc(
  engine: Engine,
  log: (line: string) => void = () => {},
): Promise<SsoFigure> {
  const op = await startOidcProvider();
  const db = await freshDatabase(engine);
  const app = await createApp(
    loadConfig({
      LOG_LEVEL: 'silent',
      GATEHOUSE_SECRET_KEY: '5d'.repeat(32),
      GATEHOUSE_SIGNIN_RATE_PER_MINUTE: '1000000',
      GATEHOUSE_SSO_RATE_PER_MINUTE: '1000000',
      ...db.env,
    }),
  );
  const server = await buildServer(app, { logger: false });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  try {
    await createAdministrator(app, SYSTEM_ACTOR, 'benchadmin', 'bench-password-1');
    const p = await app.sso.providers.create(SYSTEM_ACTOR, {
      type: 'oidc',
      name: 'Bench OP',
      issuer: op.issuer,
      client_id: 'bench',
      client_secret: 'bench-secret-0123456789abcdef0123',
      attribute_mapping: {
        username: 'preferred_username',
        email: 'email',
        firstname: 'given_name',
        surname: 'family_name',
      },
      provision_on_first_login: true,
    });
    op.start([
      {
        client_id: 'bench',
        client_secret: 'bench-secret-0123456789abcdef0123',
        redirect_uris: [`${url}/sso/${p.id}/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ]);
    op.addAccount({
      sub: 'bench-1',
      claims: {
        preferred_username: 'bench1',
        email: 'bench1@example.org',
        given_name: 'B',
        family_name: 'S',
      },
    });
    op.nextLogin('bench-1');
    const jar = new Map<string, string>();
    // The first login provisions; the measured ones sign in through the link.
    const first = await fetch(url + (await callbackPath(`${url}/sso/${p.id}/login`, url, jar)), {
      redirect: 'manual',
    });
    if (first.status !== 303) throw new Error(`first login answered ${first.status}`);

    log(`${engine}: preparing ${LOGINS} OIDC callbacks…`);
    const paths: string[] = [];
    for (let i = 0; i < LOGINS; i++)
      paths.push(await callbackPath(`${url}/sso/${p.id}/login`, url, jar));

    let next = 0;
    const t0 = performance.now();
    const r = await load({
      url,
      connections: CONNECTIONS,
      amount: LOGINS,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[next++]! }) }],
    });
    const seconds = (performance.now() - t0) / 1000;
    if (r['3xx'] !== LOGINS || r.errors > 0)
      throw new Error(
        `OIDC: ${r['3xx']} of ${LOGINS} redirects, ${r['4xx']} 4xx, ${r['5xx']} 5xx, ${r.errors} errors`,
      );

    const s = await load({
      url,
      connections: CONNECTIONS,
      duration: SIGNIN_SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/api/session',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'benchadmin', password: 'bench-password-1' }),
        },
      ],
    });
    if (s.non2xx > 0 || s.errors > 0)
      throw new Error(`sign-in: ${s.non2xx} non-2xx, ${s.errors} errors`);
    const value = LOGINS / seconds;
    const baseline = s.requests.total / SIGNIN_SECONDS;
    return {
      name: `OIDC logins/s at ${CONNECTIONS} connections (${engine})`,
      value,
      baseline,
      ratio: value / baseline,
    };
  } finally {
    await server.close();
    await app.close();
    await db.drop();
    await op.close();
  }
}

export async function run(log: (line: string) => void): Promise<RatioRow[]> {
  const rows: RatioRow[] = [];
  for (const engine of ENGINES) {
    const f = await measureOidc(engine, log);
    rows.push(
      ratioRow({
        figure: `OIDC logins (GET /sso/{id}/callback to session), ${CONNECTIONS} connections`,
        engine,
        product: Math.round(f.value),
        baseline: Math.round(f.baseline),
        unit: 'logins/s',
        note: "baseline: the same server's password sign-ins (POST /api/session, argon2id) at 4 connections; the code exchange goes to a real oidc-provider in this process",
      }),
    );
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const engine of ENGINES) {
    const f = await measureOidc(engine, (l) => console.log(l));
    console.log(JSON.stringify(f));
  }
}
