/**
 * OIDC logins per second at 4 connections (issue 10, figure 1): GET /sso/{id}/callback to the
 * console session — the code exchange with a real OpenID Provider (oidc-provider, in this
 * process), the id_token's checks, the decision and the session — beside the same server's
 * password sign-ins (POST /api/session, argon2id) in the same run. An SSO login needs no
 * argon2, so expect several times more.
 *
 * Each callback carries its own authorization code and state (both single use), prepared by
 * walking the real authorize → interaction → redirect chain before the load starts; the
 * harness is bench/lib/sso.ts, shared with the SAML bench. Figure 2: 20 first logins of one
 * new person at once make one account; the time until all 20 are answered, beside 20
 * password sign-ins at once.
 */
import { SYSTEM_ACTOR } from '../src/core/context.ts';
import { startOidcProvider } from '../test/helpers/oidc-provider.ts';
import { ENGINES, type Engine } from './lib/people.ts';
import {
  bindingCookie,
  CONNECTIONS,
  measureBesideSignIns,
  PASSWORD_USER,
  startBenchServer,
  type PreparedLogin,
  type SsoFigure,
} from './lib/sso.ts';
import { ratioRow, type RatioRow } from './lib/types.ts';

export const title = 'OIDC logins (callback to session) beside password sign-ins';
export const timeoutMs = 10 * 60_000;

const LOGINS = process.env.BENCH_QUICK === '1' ? 300 : 1000;

/** Starts a login (as the browser holding `bind`) and walks the OP's redirects back to us. */
async function prepareLogin(
  url: string,
  providerId: number,
  opJar: Map<string, string>,
  bind: { cookie?: string },
): Promise<PreparedLogin> {
  const start = await fetch(`${url}/sso/${providerId}/login`, {
    redirect: 'manual',
    headers: bind.cookie ? { cookie: bind.cookie } : {},
  });
  bind.cookie ??= bindingCookie(start);
  let next = new URL(start.headers.get('location') ?? '', url).href;
  for (let hop = 0; hop < 10; hop++) {
    if (next.startsWith(`${url}/sso/`) && next.includes('/callback'))
      return { method: 'GET', path: next.slice(url.length), cookie: bind.cookie ?? '' };
    const res = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: [...opJar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      opJar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    await res.arrayBuffer();
    next = new URL(res.headers.get('location') ?? '', next).href;
  }
  throw new Error('the OpenID Provider did not redirect back');
}

const PARALLEL = 20;

/**
 * All first logins at once (one connection each), and as many password sign-ins at once on
 * the same server for the baseline: the time until the last one is answered, in ms. Every
 * login must end signed in (303), the account being one.
 */
async function parallelFirstLogins(
  url: string,
  logins: PreparedLogin[],
): Promise<{ ms: number; baselineMs: number }> {
  const t0 = performance.now();
  const answers = await Promise.all(
    logins.map((l) => fetch(url + l.path, { redirect: 'manual', headers: { cookie: l.cookie } })),
  );
  const ms = performance.now() - t0;
  const statuses = answers.map((a) => a.status);
  if (statuses.some((x) => x !== 303))
    throw new Error(`parallel first logins answered ${statuses.join(' ')}`);
  const t1 = performance.now();
  const signIns = await Promise.all(
    logins.map(() =>
      fetch(`${url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(PASSWORD_USER),
      }),
    ),
  );
  const baselineMs = performance.now() - t1;
  if (signIns.some((a) => a.status !== 200)) throw new Error('parallel sign-ins failed');
  return { ms, baselineMs };
}

export async function measureOidc(
  engine: Engine,
  log: (line: string) => void = () => {},
): Promise<SsoFigure & { parallel: { ms: number; baselineMs: number } }> {
  const op = await startOidcProvider();
  const s = await startBenchServer(engine);
  try {
    const p = await s.app.sso.providers.create(SYSTEM_ACTOR, {
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
        redirect_uris: [`${s.url}/sso/${p.id}/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ]);
    op.addAccount({
      sub: 'bench-1',
      claims: {
        preferred_username: 'bench1',
        email: 'bench1@example.org',
        email_verified: true,
        given_name: 'B',
        family_name: 'S',
      },
    });
    op.nextLogin('bench-1');
    const opJar = new Map<string, string>();
    const bind: { cookie?: string } = {};
    // The first login provisions; the measured ones sign in through the link.
    const first = await prepareLogin(s.url, p.id, opJar, bind);
    const firstRes = await fetch(s.url + first.path, {
      redirect: 'manual',
      headers: { cookie: first.cookie },
    });
    if (firstRes.status !== 303) throw new Error(`first login answered ${firstRes.status}`);

    log(`${engine}: preparing ${LOGINS} OIDC callbacks…`);
    const logins: PreparedLogin[] = [];
    for (let i = 0; i < LOGINS; i++) logins.push(await prepareLogin(s.url, p.id, opJar, bind));
    const figure = await measureBesideSignIns(
      s,
      logins,
      `OIDC logins/s at ${CONNECTIONS} connections (${engine})`,
    );

    // Figure 2: 20 first logins of one new person at once (a double click, several tabs).
    op.addAccount({
      sub: 'bench-par',
      claims: {
        preferred_username: 'benchpar',
        email: 'benchpar@example.org',
        email_verified: true,
        given_name: 'P',
        family_name: 'S',
      },
    });
    op.nextLogin('bench-par');
    const parJar = new Map<string, string>();
    const firsts: PreparedLogin[] = [];
    for (let i = 0; i < PARALLEL; i++) firsts.push(await prepareLogin(s.url, p.id, parJar, bind));
    const parallel = await parallelFirstLogins(s.url, firsts);
    const made = await s.app.store.db
      .selectFrom('people')
      .select('id')
      .where('username_key', '=', 'benchpar')
      .execute();
    if (made.length !== 1)
      throw new Error(`${PARALLEL} parallel first logins made ${made.length} accounts`);
    return { ...figure, parallel };
  } finally {
    await s.close();
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
        cpuPerOp: f.cpuPerOp,
        note: `baseline: the same server's password sign-ins (POST /api/session, argon2id) at 4 connections, in alternating segments; the code exchange goes to a real oidc-provider in this process (its CPU counts on the product's side); segment rates ${f.spread.product} logins/s, baseline ${f.spread.baseline}`,
      }),
      ratioRow({
        figure: `${PARALLEL} parallel first logins of one new person (OIDC): time until all are answered, one account`,
        engine,
        product: Math.round(f.parallel.ms),
        baseline: Math.round(f.parallel.baselineMs),
        unit: 'ms',
        note: `baseline: ${PARALLEL} password sign-ins at once on the same server; exactly one account was made (checked)`,
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
