/**
 * The tampering corpus: responses an attacker could post to the ACS, each made in the test
 * from a real SimpleSAMLphp response (signed Response and signed Assertion) to a real login
 * started at this server. Each is refused; nobody is created or signed in. Control cases
 * prove that the corpus' tools are sound: the untouched response, and one re-signed with
 * the IdP's key without changes, are accepted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DOMParser,
  XMLSerializer,
  type XmlDocument,
  type XmlElement,
  type XmlNode,
} from '../../src/gates/sso/saml/xml.ts';
import { SignedXml } from 'xml-crypto';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  connectSaml,
  samlB64,
  samlXml,
  simpleSamlPhp,
  type SamlConnection,
  type SimpleSamlPhp,
} from '../helpers/simplesamlphp.ts';
import { makeSelfSigned } from '../../src/gates/sso/saml/certificate.ts';
import { SESSION_COOKIE } from '../../src/gates/api/authenticate.ts';

// ---- building the corpus from a real response ------------------------------------------

const NS_P = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_A = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';

function parse(xml: string): XmlDocument {
  return new DOMParser().parseFromString(xml, 'text/xml');
}
function serialize(doc: XmlDocument | XmlNode): string {
  return new XMLSerializer().serializeToString(doc);
}
function first(node: XmlDocument | XmlElement, ns: string, name: string): XmlElement {
  const el = node.getElementsByTagNameNS(ns, name)[0];
  if (!el) throw new Error(`no ${name}`);
  return el;
}
function all(node: XmlDocument | XmlElement, ns: string, name: string): XmlElement[] {
  return Array.from(node.getElementsByTagNameNS(ns, name));
}
/** Direct-child signature of an element (the Response's or the Assertion's own). */
function ownSignature(el: XmlElement): XmlElement | undefined {
  return Array.from(el.childNodes).find(
    (n): n is XmlElement => (n as XmlElement).localName === 'Signature',
  );
}
function removeOwnSignature(el: XmlElement): void {
  const s = ownSignature(el);
  if (s) el.removeChild(s);
}
function setText(el: XmlElement, value: string): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  el.appendChild(el.ownerDocument.createTextNode(value));
}
/** Changes who the assertion is about: NameID and uid. */
function impersonate(root: XmlDocument | XmlElement, who: string): void {
  setText(first(root, NS_A, 'NameID'), who);
  for (const a of all(root, NS_A, 'Attribute'))
    if (a.getAttribute('Name') === 'uid') setText(first(a, NS_A, 'AttributeValue'), who);
}

/** Removes every signature and signs the assertion with this key (as an IdP would). */
function signAssertion(xml: string, keyPem: string, certPem: string): string {
  const doc = parse(xml);
  for (const s of all(doc, NS_DS, 'Signature')) s.parentNode?.removeChild(s);
  const sig = new SignedXml({
    privateKey: keyPem,
    publicCert: certPem,
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
  sig.computeSignature(serialize(doc), {
    location: {
      reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']",
      action: 'after',
    },
  });
  return sig.getSignedXml();
}

type Mutation = (xml: string, ctx: { idpKey: string; idpCert: string }) => string;

const attacker = makeSelfSigned('attacker');
const ISO_PAST = '2020-01-01T00:00:00Z';

/** Each entry: a response an attacker could post, made from a real one (signed twice by SSP). */
const CORPUS: Record<string, Mutation> = {
  'altered after signing (NameID changed under both signatures)': (xml) => {
    const doc = parse(xml);
    impersonate(doc, 'admin');
    return serialize(doc);
  },
  'altered after signing (assertion-only signature, attribute changed)': (xml) => {
    const doc = parse(xml);
    removeOwnSignature(first(doc, NS_P, 'Response'));
    for (const a of all(doc, NS_A, 'Attribute'))
      if (a.getAttribute('Name') === 'mail')
        setText(first(a, NS_A, 'AttributeValue'), 'x@evil.test');
    return serialize(doc);
  },
  'altered after signing (response-only signature, NameID changed)': (xml) => {
    const doc = parse(xml);
    removeOwnSignature(first(doc, NS_A, 'Assertion'));
    impersonate(doc, 'admin');
    return serialize(doc);
  },
  unsigned: (xml) => {
    const doc = parse(xml);
    for (const s of all(doc, NS_DS, 'Signature')) s.parentNode?.removeChild(s);
    impersonate(doc, 'admin');
    return serialize(doc);
  },
  'signed with another key (its certificate in KeyInfo)': (xml) => {
    const doc = parse(xml);
    impersonate(doc, 'admin');
    return signAssertion(serialize(doc), attacker.privateKeyPem, attacker.certificatePem);
  },
  'wrapped: forged assertion first, the signed one moved into Extensions': (xml) => {
    const doc = parse(xml);
    const response = doc.documentElement as unknown as XmlElement;
    removeOwnSignature(response);
    const original = first(doc, NS_A, 'Assertion');
    const evil = original.cloneNode(true) as XmlElement;
    removeOwnSignature(evil);
    evil.setAttribute('ID', '_evil');
    impersonate(evil, 'admin');
    const ext = doc.createElementNS(NS_P, 'samlp:Extensions');
    response.insertBefore(ext, first(doc, NS_P, 'Status'));
    response.removeChild(original);
    ext.appendChild(original);
    response.appendChild(evil);
    return serialize(doc);
  },
  'wrapped: forged assertion with the same ID, the signed one inside its Advice': (xml) => {
    const doc = parse(xml);
    const response = doc.documentElement as unknown as XmlElement;
    removeOwnSignature(response);
    const original = first(doc, NS_A, 'Assertion');
    const evil = original.cloneNode(true) as XmlElement;
    removeOwnSignature(evil);
    impersonate(evil, 'admin');
    const advice = doc.createElementNS(NS_A, 'saml:Advice');
    response.replaceChild(evil, original);
    advice.appendChild(original);
    evil.insertBefore(advice, first(evil, NS_A, 'AttributeStatement'));
    return serialize(doc);
  },
  'wrapped: signed assertion and a forged one side by side': (xml) => {
    const doc = parse(xml);
    const response = doc.documentElement as unknown as XmlElement;
    removeOwnSignature(response);
    const original = first(doc, NS_A, 'Assertion');
    const evil = original.cloneNode(true) as XmlElement;
    removeOwnSignature(evil);
    evil.setAttribute('ID', '_evil2');
    impersonate(evil, 'admin');
    response.appendChild(evil);
    return serialize(doc);
  },
  'wrapped: forged assertion keeps the signature, the signed one inside ds:Object': (xml) => {
    const doc = parse(xml);
    const response = doc.documentElement as unknown as XmlElement;
    removeOwnSignature(response);
    const original = first(doc, NS_A, 'Assertion');
    const evil = original.cloneNode(true) as XmlElement;
    impersonate(evil, 'admin');
    const sig = ownSignature(evil);
    if (!sig) throw new Error('assertion not signed');
    const obj = doc.createElementNS(NS_DS, 'ds:Object');
    response.replaceChild(evil, original);
    obj.appendChild(original);
    sig.appendChild(obj);
    return serialize(doc);
  },
  'wrapped: the whole signed Response inside a forged Response': (xml) => {
    const doc = parse(xml);
    const signed = doc.documentElement as unknown as XmlElement;
    const evilResponse = signed.cloneNode(true) as XmlElement;
    removeOwnSignature(evilResponse);
    const evilAssertion = first(evilResponse, NS_A, 'Assertion');
    removeOwnSignature(evilAssertion);
    impersonate(evilAssertion, 'admin');
    evilResponse.setAttribute('ID', '_evilresponse');
    const ext = doc.createElementNS(NS_P, 'samlp:Extensions');
    evilResponse.insertBefore(ext, first(evilResponse, NS_P, 'Status'));
    ext.appendChild(signed.cloneNode(true));
    return serialize(evilResponse);
  },
  'wrong audience (re-signed with the IdP key)': (xml, k) => {
    const doc = parse(xml);
    setText(first(doc, NS_A, 'Audience'), 'https://another-sp.example/metadata');
    return signAssertion(serialize(doc), k.idpKey, k.idpCert);
  },
  'wrong destination and recipient (re-signed with the IdP key)': (xml, k) => {
    const doc = parse(xml);
    const other = 'https://another-sp.example/acs';
    (doc.documentElement as unknown as XmlElement).setAttribute('Destination', other);
    first(doc, NS_A, 'SubjectConfirmationData').setAttribute('Recipient', other);
    return signAssertion(serialize(doc), k.idpKey, k.idpCert);
  },
  'wrong recipient only (re-signed with the IdP key)': (xml, k) => {
    const doc = parse(xml);
    first(doc, NS_A, 'SubjectConfirmationData').setAttribute(
      'Recipient',
      'https://another-sp.example/acs',
    );
    return signAssertion(serialize(doc), k.idpKey, k.idpCert);
  },
  'expired (re-signed with the IdP key)': (xml, k) => {
    const doc = parse(xml);
    first(doc, NS_A, 'SubjectConfirmationData').setAttribute('NotOnOrAfter', ISO_PAST);
    first(doc, NS_A, 'Conditions').setAttribute('NotOnOrAfter', ISO_PAST);
    return signAssertion(serialize(doc), k.idpKey, k.idpCert);
  },
  'not yet valid (re-signed with the IdP key)': (xml, k) => {
    const doc = parse(xml);
    first(doc, NS_A, 'Conditions').setAttribute('NotBefore', '2099-01-01T00:00:00Z');
    return signAssertion(serialize(doc), k.idpKey, k.idpCert);
  },
  'wrong InResponseTo (re-signed with the IdP key)': (xml, k) => {
    const doc = parse(xml);
    (doc.documentElement as unknown as XmlElement).setAttribute('InResponseTo', '_other');
    first(doc, NS_A, 'SubjectConfirmationData').setAttribute('InResponseTo', '_other');
    return signAssertion(serialize(doc), k.idpKey, k.idpCert);
  },
  'another issuer (re-signed with the IdP key)': (xml, k) => {
    const doc = parse(xml);
    for (const i of all(doc, NS_A, 'Issuer')) setText(i, 'https://evil-idp.example');
    return signAssertion(serialize(doc), k.idpKey, k.idpCert);
  },
  'a DOCTYPE with an entity': (xml) =>
    xml.replace(/^(<\?xml[^>]*\?>)?/, '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "admin">]>'),
};

let idp: SimpleSamlPhp;
let server: TestServer;
let saml: SamlConnection;
const victim = { username: `victim${process.pid}`, password: 'victim-pw' };

before(async () => {
  idp = await simpleSamlPhp();
  server = await startTestServer({
    GATEHOUSE_SSO_RATE_PER_MINUTE: '10000',
    // PostgreSQL has no key file: the SP's private keys are sealed with this one.
    GATEHOUSE_SECRET_KEY: '5a'.repeat(32),
  });
  saml = await connectSaml(server, idp);
  idp.addUser(victim.username, victim.password, {
    mail: [`${victim.username}@idp.example`],
    givenName: ['Vic'],
    sn: ['Tim'],
  });
});
after(() => server.close());

const keys = () => ({ idpKey: idp.privateKeyPem, idpCert: idp.certificatePem });

interface Counts {
  people: number;
  sessions: number;
  /** The latest audit event's id: the refusal must be audited after it. */
  auditId: number;
}

async function counts(): Promise<Counts> {
  const db = server.app.store.db;
  const people = await db.selectFrom('people').select('id').execute();
  const sessions = await db.selectFrom('sessions').select('id').execute();
  const last = await db
    .selectFrom('audit_events')
    .select('id')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return { people: people.length, sessions: sessions.length, auditId: last?.id ?? 0 };
}

function signedIn(res: Response): boolean {
  return res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`));
}

/**
 * Refused: an error page, no session, nobody made, and exactly one `sso.login` event with
 * outcome `refused` and a reason sentence: never the posted response or its XML.
 */
async function assertRefused(res: Response, before: Counts, posted?: string) {
  const page = await res.text();
  assert.ok(res.status >= 400, `status ${res.status}: ${page.slice(0, 200)}`);
  assert.equal(signedIn(res), false);
  const after = await counts();
  assert.deepEqual([after.people, after.sessions], [before.people, before.sessions]);
  const events = await server.app.store.db
    .selectFrom('audit_events')
    .select(['action', 'outcome', 'changes', 'target_id'])
    .where('id', '>', before.auditId)
    .execute();
  assert.equal(events.length, 1, JSON.stringify(events));
  const [e] = events;
  assert.equal(e?.action, 'sso.login');
  assert.equal(e?.outcome, 'failure');
  const changes = JSON.parse(e?.changes ?? '{}') as Record<string, [unknown, unknown]>;
  assert.equal(changes.outcome?.[1], 'refused');
  const reason = typeof changes.reason?.[1] === 'string' ? changes.reason[1] : '';
  assert.match(reason, /^[A-Z].{10,}/);
  assert.ok(reason.length <= 501, reason);
  assert.doesNotMatch(e?.changes ?? '', /<saml|<samlp|SignatureValue|BEGIN CERTIFICATE/);
  if (posted) assert.equal((e?.changes ?? '').includes(posted.slice(0, 40)), false);
}

test('control: the untouched response signs in (and provisions the victim once)', async () => {
  const posted = await saml.idpResponse(victim.username, victim.password);
  const res = await saml.post(posted);
  assert.equal(res.status, 303);
  assert.ok(signedIn(res));
});

test('control: a response re-signed with the IdP key, unchanged, signs in', async () => {
  const posted = await saml.idpResponse(victim.username, victim.password);
  const resigned = signAssertion(
    samlXml(posted.SAMLResponse),
    idp.privateKeyPem,
    idp.certificatePem,
  );
  const res = await saml.post(posted, samlB64(resigned));
  assert.equal(res.status, 303);
  assert.ok(signedIn(res));
});

for (const [name, mutate] of Object.entries(CORPUS)) {
  test(`refused: ${name}`, async () => {
    const posted = await saml.idpResponse(victim.username, victim.password);
    const before = await counts();
    const forged = mutate(samlXml(posted.SAMLResponse), keys());
    assert.notEqual(forged, samlXml(posted.SAMLResponse));
    await assertRefused(await saml.post(posted, samlB64(forged)), before, samlB64(forged));
    assert.equal(
      (
        await server.app.store.db
          .selectFrom('people')
          .select('id')
          .where('username', '=', 'admin')
          .where('origin', '=', 'sso')
          .execute()
      ).length,
      0,
    );
  });
}

test('refused: a replayed response (the second post of the same answer)', async () => {
  const posted = await saml.idpResponse(victim.username, victim.password);
  const first = await saml.post(posted);
  assert.ok(signedIn(first));
  const before = await counts();
  await assertRefused(await saml.post(posted), before);
});

test('refused: a real response meant for another service provider', async () => {
  const other = await connectSaml(server, idp);
  const posted = await other.idpResponse(victim.username, victim.password);
  const before = await counts();
  // Posted to our provider's ACS with a login request of ours: wrong audience and destination.
  const ours = await saml.idpResponse(victim.username, victim.password);
  await assertRefused(await saml.post({ ...ours, SAMLResponse: posted.SAMLResponse }), before);
});

test('refused: a response with a RelayState of another login (wrong InResponseTo)', async () => {
  const a = await saml.idpResponse(victim.username, victim.password);
  const b = await saml.idpResponse(victim.username, victim.password);
  const before = await counts();
  // b's browser (its cookie), so the check that refuses is InResponseTo, not the binding.
  await assertRefused(
    await saml.post({
      ...a,
      RelayState: b.RelayState ?? '',
      ...(b.cookie ? { cookie: b.cookie } : {}),
    }),
    before,
  );
});

// Login CSRF: an attacker's own real, valid response, auto-posted from the victim's browser.
for (const [name, cookie] of [
  ['no sign-in cookie', null],
  ['another sign-in cookie', `gh_sso_browser=${'A'.repeat(43)}`],
] as const) {
  test(`refused: a valid response posted by another browser (${name})`, async () => {
    const posted = await saml.idpResponse(victim.username, victim.password);
    assert.ok(posted.cookie, 'GET /sso/{id}/login sets the browser binding cookie');
    const before = await counts();
    const res = await saml.post(posted, undefined, { cookie });
    assert.equal(res.status, 400);
    const page = await res.clone().text();
    assert.match(page, /This sign-in started in another browser/);
    assert.match(page, /Start again from the sign-in page in this browser/);
    await assertRefused(res, before);
    // Refused without taking the login: another browser cannot use up someone's sign-in.
    const request = await server.app.store.db
      .selectFrom('sso_login_requests')
      .select('used_at')
      .where('id', '=', posted.RelayState ?? '')
      .executeTakeFirstOrThrow();
    assert.equal(request.used_at, null);
  });
}

test('refused: a response without RelayState (its login request cannot be found)', async () => {
  const a = await saml.idpResponse(victim.username, victim.password);
  const before = await counts();
  const { RelayState: _dropped, ...withoutRelay } = a;
  await assertRefused(await saml.post(withoutRelay), before);
});

test('refused: an IdP-initiated response when the provider does not allow them', async () => {
  const posted = await idp.idpInitiated(saml.spEntityId, victim.username, victim.password);
  const before = await counts();
  await assertRefused(await saml.post(posted), before);
});

test('refused: a POST without SAMLResponse, or with garbage', async () => {
  const acs = `${server.url}/sso/${saml.providerId}/acs`;
  for (const body of [
    new URLSearchParams({}),
    new URLSearchParams({ SAMLResponse: 'bm90IHhtbA==' }),
  ]) {
    const before = await counts();
    await assertRefused(await fetch(acs, { method: 'POST', body, redirect: 'manual' }), before);
  }
});
