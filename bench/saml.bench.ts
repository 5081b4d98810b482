/**
 * SAML logins per second at 4 connections (issue 10, figure 1): POST /sso/{id}/acs to the
 * console session, beside the same server's password sign-ins (POST /api/session) in the
 * same run. A SAML login needs no argon2, so expect several times more.
 *
 * Every ACS request carries a response no server has seen (the replay cache refuses a
 * second use) answering a login request started at this server: one real SimpleSAMLphp
 * response is the template, and each copy gets its own assertion ID and InResponseTo and
 * is signed again with the IdP's key, as SimpleSAMLphp would sign it. Both sides run in
 * this process against an in-process server (the same for both, so the ratio is fair); the
 * harness is bench/lib/sso.ts, shared with the OIDC bench.
 */
import { randomBytes } from 'node:crypto';
import { DOMParser, XMLSerializer } from '../src/gates/sso/saml/xml.ts';
import { SignedXml } from 'xml-crypto';
import { connectSaml, simpleSamlPhp, samlB64, samlXml } from '../test/helpers/simplesamlphp.ts';
import { ENGINES, type Engine } from './lib/people.ts';
import {
  bindingCookie,
  CONNECTIONS,
  measureBesideSignIns,
  startBenchServer,
  type PreparedLogin,
  type SsoFigure,
} from './lib/sso.ts';
import { ratioRow, type RatioRow } from './lib/types.ts';

export const title = 'SAML logins (ACS to session) beside password sign-ins';
export const timeoutMs = 10 * 60_000;

const LOGINS = process.env.BENCH_QUICK === '1' ? 400 : 1500;
const NS_A = 'urn:oasis:names:tc:SAML:2.0:assertion';

/** The template with a fresh assertion ID and InResponseTo, signed with the IdP's key. */
export function variant(template: string, requestId: string, key: string, cert: string): string {
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
): Promise<SsoFigure> {
  const idp = await simpleSamlPhp(process.pid);
  const s = await startBenchServer(engine);
  try {
    const saml = await connectSaml(s, idp);
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
    const logins: PreparedLogin[] = [];
    let cookie = first.cookie;
    for (let i = 0; i < LOGINS; i++) {
      // One browser: its binding cookie comes back with every login it starts.
      const start = await fetch(`${s.url}/sso/${saml.providerId}/login`, {
        redirect: 'manual',
        headers: cookie ? { cookie } : {},
      });
      cookie ??= bindingCookie(start);
      const location = new URL(start.headers.get('location') ?? '');
      const relay = location.searchParams.get('RelayState') ?? '';
      const row = await s.app.store.db
        .selectFrom('sso_login_requests')
        .select('request_id')
        .where('id', '=', relay)
        .executeTakeFirstOrThrow();
      const xml = variant(template, row.request_id ?? '', idp.privateKeyPem, idp.certificatePem);
      logins.push({
        method: 'POST',
        path: `/sso/${saml.providerId}/acs`,
        cookie: cookie ?? '',
        body: new URLSearchParams({ SAMLResponse: samlB64(xml), RelayState: relay }).toString(),
      });
    }
    return await measureBesideSignIns(
      s,
      logins,
      `SAML logins/s at ${CONNECTIONS} connections (${engine})`,
    );
  } finally {
    await s.close();
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
        cpuPerOp: f.cpuPerOp,
        note: `baseline: the same server's password sign-ins (POST /api/session, argon2id) at 4 connections, in alternating segments; both loads run in this process beside the server; segment rates ${f.spread.product} logins/s, baseline ${f.spread.baseline}`,
      }),
    );
  }
  return rows;
}
