/**
 * SAML logins against a real SimpleSAMLphp IdP, SP-initiated (and IdP-initiated when
 * allowed), through the server's own endpoints: the SP metadata, the AuthnRequest over
 * HTTP-Redirect and the ACS, for the rows of the first-login decision.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { lastEvent, signedInAs } from '../helpers/sso-facts.ts';
import {
  connectSaml,
  simpleSamlPhp,
  TRANSIENT,
  type SimpleSamlPhp,
} from '../helpers/simplesamlphp.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { SESSION_COOKIE } from '../../src/gates/api/authenticate.ts';
import { makeSelfSigned } from '../../src/gates/sso/saml/certificate.ts';

let idp: SimpleSamlPhp;
let server: TestServer;
let n = 0;

before(async () => {
  idp = await simpleSamlPhp();
  server = await startTestServer({
    GATEHOUSE_SSO_RATE_PER_MINUTE: '10000',
    // PostgreSQL has no key file: the SP's private keys are sealed with this one.
    GATEHOUSE_SECRET_KEY: '5a'.repeat(32),
  });
});
after(() => server.close());

/** A person at the IdP with a name unique to this run. */
function idpPerson(prefix: string): { username: string; password: string; email: string } {
  const username = `${prefix}${++n}${process.pid}`;
  const p = { username, password: `${username}-pw`, email: `${username}@idp.example` };
  idp.addUser(username, p.password, {
    mail: [p.email],
    givenName: [prefix],
    sn: ['Saml'],
  });
  return p;
}

function sessionCookie(res: Response): string | undefined {
  return res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`))
    ?.split(';')[0];
}

async function personByUsername(username: string) {
  return server.app.store.db
    .selectFrom('people')
    .selectAll()
    .where('username', '=', username)
    .executeTakeFirst();
}

test('the SP metadata is served without sign-in with what an IdP needs', async () => {
  const c = await connectSaml(server, idp);
  const r = await fetch(`${server.url}/sso/${c.providerId}/metadata`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /samlmetadata\+xml/);
  const xml = await r.text();
  assert.match(xml, new RegExp(`entityID="${server.url}/sso/${c.providerId}/metadata"`));
  assert.match(
    xml,
    new RegExp(
      `AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${server.url}/sso/${c.providerId}/acs"`,
    ),
  );
  assert.equal(xml.match(/AssertionConsumerService/g)?.length, 1);
  assert.match(xml, /WantAssertionsSigned="true"/);
  assert.match(xml, /<md:KeyDescriptor use="signing">/);
  assert.match(xml, /<md:KeyDescriptor use="encryption">/);
  assert.match(xml, /nameid-format:persistent/);
  // Every node serves the same keys: they live in the database.
  assert.equal(
    (await server.app.store.db.selectFrom('saml_sp_keys').select('use').execute()).length,
    2,
  );
  const unknown = await fetch(`${server.url}/sso/999/metadata`);
  assert.equal(unknown.status, 404);
});

test('first login provisions an account, signs in, and the next login signs in through the link', async () => {
  const c = await connectSaml(server, idp);
  const p = idpPerson('prov');
  const res = await c.post(await c.idpResponse(p.username, p.password, '/people'));
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/people');
  assert.equal(await signedInAs(server, sessionCookie(res)), p.username);
  const person = await personByUsername(p.username);
  assert.ok(person);
  assert.equal(person.origin, 'sso');
  assert.equal(person.password_authority, 'idp');
  assert.equal(person.email, p.email);
  assert.equal((await lastEvent(server)).outcome, 'provisioned');
  const link = await server.app.store.db
    .selectFrom('external_identities')
    .selectAll()
    .where('provider', '=', `idp:${c.providerId}`)
    .where('person_id', '=', person.id)
    .execute();
  assert.deepEqual(
    link.map((l) => l.external_id),
    [p.username],
  );

  const again = await c.post(await c.idpResponse(p.username, p.password));
  assert.equal(again.status, 303);
  assert.equal(again.headers.get('location'), '/');
  assert.equal(await signedInAs(server, sessionCookie(again)), p.username);
  assert.equal((await lastEvent(server)).outcome, 'signed_in');
});

test('an existing account with the same username signs in and gets linked', async () => {
  const c = await connectSaml(server, idp, { provider: { provision_on_first_login: false } });
  const p = idpPerson('local');
  const local = await server.makeUser(p.username);
  const res = await c.post(await c.idpResponse(p.username, p.password));
  assert.equal(res.status, 303);
  assert.equal(await signedInAs(server, sessionCookie(res)), p.username);
  const d = await lastEvent(server);
  assert.equal(d.outcome, 'signed_in');
  const linked = await server.app.store.db
    .selectFrom('external_identities')
    .select('person_id')
    .where('provider', '=', `idp:${c.providerId}`)
    .where('external_id', '=', p.username)
    .executeTakeFirst();
  assert.equal(linked?.person_id, local.id);
});

test('no account and provisioning off: refused with a clear page, nobody created', async () => {
  const c = await connectSaml(server, idp, { provider: { provision_on_first_login: false } });
  const p = idpPerson('nobody');
  const res = await c.post(await c.idpResponse(p.username, p.password));
  assert.ok(res.status >= 400, `status ${res.status}`);
  assert.equal(sessionCookie(res), undefined);
  const page = await res.text();
  assert.match(page, /does not create accounts at first login/);
  assert.doesNotMatch(page, /at .*\.ts:\d+/); // no stack trace
  assert.equal(await personByUsername(p.username), undefined);
  assert.equal((await lastEvent(server)).outcome, 'refused');
});

test('no account and a redirect URL set: redirected there, nobody created', async () => {
  const c = await connectSaml(server, idp, {
    provider: { not_found_redirect_url: 'https://intranet.example/request-access' },
  });
  const p = idpPerson('redir');
  const res = await c.post(await c.idpResponse(p.username, p.password));
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), 'https://intranet.example/request-access');
  assert.equal(sessionCookie(res), undefined);
  assert.equal(await personByUsername(p.username), undefined);
  assert.equal((await lastEvent(server)).outcome, 'redirected');
});

test('a blocked account is refused, even with valid IdP credentials', async () => {
  const c = await connectSaml(server, idp);
  const p = idpPerson('blocked');
  const u = await server.makeUser(p.username);
  await server.app.core.people.block(SYSTEM_ACTOR, u.id, 'left the company');
  const res = await c.post(await c.idpResponse(p.username, p.password));
  assert.ok(res.status >= 400);
  assert.equal(sessionCookie(res), undefined);
  assert.match(await res.text(), /blocked/);
  assert.equal((await lastEvent(server)).outcome, 'refused');
});

test('a transient NameID links nothing: the account is matched by its attributes', async () => {
  const c = await connectSaml(server, idp, { nameIdFormat: TRANSIENT });
  const p = idpPerson('transient');
  const first = await c.post(await c.idpResponse(p.username, p.password));
  assert.equal(first.status, 303);
  assert.equal(await signedInAs(server, sessionCookie(first)), p.username);
  const person = await personByUsername(p.username);
  assert.ok(person);
  const links = await server.app.store.db
    .selectFrom('external_identities')
    .select('external_id')
    .where('person_id', '=', person.id)
    .execute();
  assert.deepEqual(links, []);
  const second = await c.post(await c.idpResponse(p.username, p.password));
  assert.equal(await signedInAs(server, sessionCookie(second)), p.username);
  assert.equal(
    (
      await server.app.store.db
        .selectFrom('people')
        .select('id')
        .where('username', '=', p.username)
        .execute()
    ).length,
    1,
  );
});

test('an encrypted assertion signed only by itself (as Entra sends) is accepted', async () => {
  const c = await connectSaml(server, idp, {
    encryptAssertion: true,
    signResponse: false,
    signAssertion: true,
  });
  const p = idpPerson('enc');
  const posted = await c.idpResponse(p.username, p.password);
  const xml = Buffer.from(posted.SAMLResponse, 'base64').toString('utf8');
  assert.match(xml, /EncryptedAssertion/);
  const res = await c.post(posted);
  assert.equal(res.status, 303);
  assert.equal(await signedInAs(server, sessionCookie(res)), p.username);
});

test('a signed Response with an unsigned assertion is accepted', async () => {
  const c = await connectSaml(server, idp, { signResponse: true, signAssertion: false });
  const p = idpPerson('resp');
  const res = await c.post(await c.idpResponse(p.username, p.password));
  assert.equal(res.status, 303);
  assert.equal(await signedInAs(server, sessionCookie(res)), p.username);
});

test('signed AuthnRequests: the IdP checks them with the certificate from our metadata', async () => {
  const c = await connectSaml(server, idp, { signRequests: true, validateAuthnRequest: true });
  const p = idpPerson('signed');
  const start = await fetch(`${server.url}/sso/${c.providerId}/login`, { redirect: 'manual' });
  const location = new URL(start.headers.get('location') ?? '');
  assert.ok(location.searchParams.get('Signature'));
  assert.equal(
    location.searchParams.get('SigAlg'),
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  );
  // RelayState is the login request's id; the one cookie binds the login to this browser
  // (only its hash is stored), for /sso/ only. Plain HTTP here: Lax (None needs Secure).
  assert.match(location.searchParams.get('RelayState') ?? '', /^[A-Za-z0-9_-]{43}$/);
  const cookies = start.headers.getSetCookie();
  assert.equal(cookies.length, 1);
  assert.match(
    cookies[0] ?? '',
    /^gh_sso_browser=[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/sso\/; HttpOnly; SameSite=Lax$/,
  );
  const cookie = cookies[0]?.split(';')[0] ?? '';
  const stored = await server.app.store.db
    .selectFrom('sso_login_requests')
    .select('browser_hash')
    .where('id', '=', location.searchParams.get('RelayState') ?? '')
    .executeTakeFirstOrThrow();
  assert.match(stored.browser_hash ?? '', /^[0-9a-f]{64}$/);
  assert.equal(stored.browser_hash?.includes(cookie.split('=')[1] ?? '-'), false);
  const posted = await idp.login(location.toString(), p.username, p.password);
  const res = await c.post({ ...posted, cookie });
  assert.equal(res.status, 303);
  assert.equal(await signedInAs(server, sessionCookie(res)), p.username);
  // The same IdP refuses an AuthnRequest whose signature was tampered with.
  location.searchParams.set('Signature', `A${location.searchParams.get('Signature')?.slice(1)}`);
  await assert.rejects(idp.login(location.toString(), p.username, p.password));
});

test('IdP-initiated logins: refused unless the provider allows them', async () => {
  const off = await connectSaml(server, idp);
  const p = idpPerson('unsolicited');
  const refusedRes = await off.post(await idp.idpInitiated(off.spEntityId, p.username, p.password));
  assert.ok(refusedRes.status >= 400);
  assert.equal(sessionCookie(refusedRes), undefined);
  assert.equal(await personByUsername(p.username), undefined);

  const on = await connectSaml(server, idp, { provider: { allow_idp_initiated: true } });
  const res = await on.post(await idp.idpInitiated(on.spEntityId, p.username, p.password));
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/');
  assert.equal(await signedInAs(server, sessionCookie(res)), p.username);
});

test('a response is accepted once, also by another server on the same database', async () => {
  const c = await connectSaml(server, idp, { provider: { allow_idp_initiated: true } });
  const p = idpPerson('replay');
  // IdP-initiated: no login request to use up, so only the replay cache stands in the way.
  const posted = await idp.idpInitiated(c.spEntityId, p.username, p.password);
  const { createApp } = await import('../../src/app.ts');
  const { buildServer } = await import('../../src/server.ts');
  // The second node serves the same site: its public URL is the first one's.
  const second = await createApp({ ...server.app.config, publicUrl: server.url });
  const node2 = await buildServer(second, { logger: false });
  await node2.listen({ port: 0, host: '127.0.0.1' });
  try {
    const addr = node2.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const url2 = posted.action.replace(server.url, `http://127.0.0.1:${port}`);
    const body = () =>
      new URLSearchParams({
        SAMLResponse: posted.SAMLResponse,
        RelayState: posted.RelayState ?? '',
      });
    const answers = await Promise.all([
      fetch(posted.action, { method: 'POST', body: body(), redirect: 'manual' }),
      fetch(url2, { method: 'POST', body: body(), redirect: 'manual' }),
      fetch(posted.action, { method: 'POST', body: body(), redirect: 'manual' }),
    ]);
    const signedIn = answers.filter((a) => sessionCookie(a) !== undefined);
    assert.equal(signedIn.length, 1, answers.map((a) => a.status).join(','));
  } finally {
    await node2.close();
    await second.close();
  }
});

test('metadata from a URL is fetched again after a day: an IdP certificate rollover reaches us', async () => {
  const c = await connectSaml(server, idp);
  const db = server.app.store.db;
  const row = await db
    .selectFrom('identity_providers')
    .select('config')
    .where('id', '=', c.providerId)
    .executeTakeFirstOrThrow();
  const config = JSON.parse(row.config) as { certificates: string[]; metadata_fetched_at: string };
  // As the provider stood two days ago: only a certificate the IdP has since retired.
  const retired = makeSelfSigned('retired IdP key').certificatePem;
  await db
    .updateTable('identity_providers')
    .set({
      config: JSON.stringify({
        ...config,
        certificates: [retired],
        metadata_fetched_at: new Date(Date.now() - 2 * 86_400_000).toISOString(),
      }),
    })
    .where('id', '=', c.providerId)
    .execute();
  const p = idpPerson('rollover');
  const res = await c.post(await c.idpResponse(p.username, p.password));
  assert.equal(res.status, 303);
  assert.equal(await signedInAs(server, sessionCookie(res)), p.username);
  const after = JSON.parse(
    (
      await db
        .selectFrom('identity_providers')
        .select('config')
        .where('id', '=', c.providerId)
        .executeTakeFirstOrThrow()
    ).config,
  ) as { certificates: string[]; metadata_fetched_at: string };
  assert.deepEqual(after.certificates, config.certificates);
  assert.ok(Date.now() - Date.parse(after.metadata_fetched_at) < 60_000);
});

test('sign-out after a SAML sign-in goes to the provider logout URL (regression: SAML set no provider cookie)', async () => {
  const c = await connectSaml(server, idp, {
    provider: { logout_url: 'https://idp.example/logout' },
  });
  const p = idpPerson('out');
  const res = await c.post(await c.idpResponse(p.username, p.password));
  assert.equal(res.status, 303);
  const cookies = res.headers
    .getSetCookie()
    .map((x) => x.split(';')[0])
    .join('; ');
  assert.match(cookies, new RegExp(`gh_sso_idp=${c.providerId}`));
  const out = await fetch(`${server.url}/sso/logout`, {
    redirect: 'manual',
    headers: { cookie: cookies },
  });
  assert.equal(out.status, 303);
  assert.equal(out.headers.get('location'), 'https://idp.example/logout');
  assert.equal(await signedInAs(server, sessionCookie(res)), null);
});
