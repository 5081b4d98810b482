/**
 * SAML logins per second at 4 connections (issue 10, figure 1): POST /sso/{id}/acs to the
 * console session, beside the same server's password sign-ins (POST /api/session) in the
 * same run. A SAML login needs no argon2, so expect several times more.
 *
 * Every ACS request carries a response no server has seen (the replay cache refuses a
 * second use) answering a login request started at this server: one real SimpleSAMLphp
 * response is the template, and each copy gets its own assertion ID and InResponseTo and
 * is signed again with the IdP's key, as SimpleSAMLphp would sign it. Both sides run in
 * this process against an in-process server (the same for both, so the ratio is fair).
 */
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { DOMParser, XMLSerializer } from '../src/gates/sso/saml/xml.ts';
import { SignedXml } from 'xml-crypto';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app.ts';
import { buildServer } from '../src/server.ts';
import { createAdministrator } from '../src/bootstrap.ts';
import { SYSTEM_ACTOR } from '../src/core/context.ts';
import { freshDatabase } from '../test/helpers/engine.ts';
import { connectSaml, simpleSamlPhp, samlB64, samlXml } from '../test/helpers/simplesamlphp.ts';
import { ENGINES, type Engine } from './lib/people.ts';
import { ratioRow, type RatioRow } from './lib/types.ts';

export const title = 'SAML logins (ACS to session) beside password sign-ins';
export const timeoutMs = 10 * 60_000;

const CONNECTIONS = 4;
const LOGINS = process.env.BENCH_QUICK === '1' ? 400 : 1500;
const SIGNIN_SECONDS = process.env.BENCH_QUICK === '1' ? 3 : 8;
const NS_A = 'urn:oasis:names:tc:SAML:2.0:assertion';

export interface SamlFigure {
  name: string;
  /** SAML logins/s (ACS POST to session cookie). */
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

/** The template with a fresh assertion ID and InResponseTo, signed with the IdP's key. */
function variant(template: string, requestId: string, key: string, cert: string): string {
  const doc = new DOMParser().parseFromString(template, 'text/xml');
  for (const s of Array.from(
    doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature'),
  ))
    s.parentNode?.removeChild(s);
  const root = doc.documentElement;
  root?.setAttribute('ID', `_r${randomBytes(16).toString('hex')}`);
  root?.setAttribute('InResponseTo', requestId);
  const assertion = doc.getElementsByTagNameNS(NS_A, 'Assertion')[0];
  assertion?.setAttribute('ID', `_a${randomBytes(16).toString('hex')}`);
  doc
    .getElementsByTagNameNS(NS_A, 'SubjectConfirmationData')[0]
    ?.setAttribute('InResponseTo', requestId);
  const sig = new SignedXml({
    privateKey: key,
    publicCert: cert,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: "//*[local-name(.)='Assertion']",
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
  });
  sig.computeSignature(new XMLSerializer().serializeToString(doc), {
    location: {
      reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']",
      action: 'after',
    },
  });
  return sig.getSignedXml();
}

export async function measureSaml(
  engine: Engine,
  log: (line: string) => void = () => {},
): Promise<SamlFigure> {
  const idp = await simpleSamlPhp(process.pid);
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
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  try {
    await createAdministrator(app, SYSTEM_ACTOR, 'benchadmin', 'bench-password-1');
    const saml = await connectSaml({ url, app }, idp);
    const username = `bench${process.pid}`;
    idp.addUser(username, 'bench-pw', {
      mail: [`${username}@idp.example`],
      givenName: ['B'],
      sn: ['S'],
    });
    // The first login provisions the account; the measured ones sign in through the link.
    const first = await saml.idpResponse(username, 'bench-pw');
    const template = samlXml(first.SAMLResponse);
    await saml.post(first);

    log(`${engine}: preparing ${LOGINS} SAML responses…`);
    const bodies: string[] = [];
    for (let i = 0; i < LOGINS; i++) {
      const start = await fetch(`${url}/sso/${saml.providerId}/login`, { redirect: 'manual' });
      const location = new URL(start.headers.get('location') ?? '');
      const relay = location.searchParams.get('RelayState') ?? '';
      const row = await app.store.db
        .selectFrom('sso_login_requests')
        .select('request_id')
        .where('id', '=', relay)
        .executeTakeFirstOrThrow();
      const xml = variant(template, row.request_id ?? '', idp.privateKeyPem, idp.certificatePem);
      bodies.push(
        new URLSearchParams({ SAMLResponse: samlB64(xml), RelayState: relay }).toString(),
      );
    }

    let next = 0;
    const t0 = performance.now();
    const r = await load({
      url,
      connections: CONNECTIONS,
      amount: LOGINS,
      requests: [
        {
          method: 'POST',
          path: `/sso/${saml.providerId}/acs`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
        },
      ],
    });
    const samlSeconds = (performance.now() - t0) / 1000;
    if (r['3xx'] !== LOGINS || r.errors > 0)
      throw new Error(
        `SAML: ${r['3xx']} of ${LOGINS} redirects, ${r['4xx']} 4xx, ${r['5xx']} 5xx, ${r.errors} errors`,
      );
    const sessions = await app.store.db.selectFrom('sessions').select('id').execute();
    if (sessions.length < LOGINS)
      throw new Error(`only ${sessions.length} sessions for ${LOGINS} logins`);

    const p = await load({
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
    if (p.non2xx > 0 || p.errors > 0)
      throw new Error(`sign-in: ${p.non2xx} non-2xx, ${p.errors} errors`);
    const value = LOGINS / samlSeconds;
    const baseline = p.requests.total / SIGNIN_SECONDS;
    return {
      name: `SAML logins/s at ${CONNECTIONS} connections (${engine})`,
      value,
      baseline,
      ratio: value / baseline,
    };
  } finally {
    await server.close();
    await app.close();
    await db.drop();
  }
}

export async function run(log: (line: string) => void): Promise<RatioRow[]> {
  const rows: RatioRow[] = [];
  for (const engine of ENGINES) {
    const f = await measureSaml(engine, log);
    rows.push(
      ratioRow({
        figure: `SAML logins (POST /sso/{id}/acs to session), ${CONNECTIONS} connections`,
        engine,
        product: Math.round(f.value),
        baseline: Math.round(f.baseline),
        unit: 'logins/s',
        note: "baseline: the same server's password sign-ins (POST /api/session, argon2id) at 4 connections; both loads run in this process beside the server",
      }),
    );
  }
  return rows;
}
