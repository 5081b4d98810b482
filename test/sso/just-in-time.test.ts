/**
 * SSO's just-in-time directory sync against a real OpenLDAP and a real OpenID Provider: a
 * person whose entry exists but was not synced yet signs in (the directory makes the account
 * now, the IdP identity is linked); an entry outside the sync's scope and a directory that
 * does not answer are refused with a sentence that says why. Provisioning stays off: every
 * account here comes from the directory, none from the IdP.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, ldapSubtree, type LdapSubtree } from '../helpers/slapd.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { followLogin, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { SESSION_COOKIE } from '../../src/gates/api/authenticate.ts';
import { lastEvent } from '../helpers/sso-facts.ts';

describe('SSO just-in-time directory sync (OpenLDAP + OpenID Provider)', () => {
  let s: TestServer;
  let t: LdapSubtree;
  let op: TestOidcProvider;
  let idpId: number;
  let dirId: number;

  const account = (sub: string, username: string) =>
    op.addAccount({
      sub,
      claims: {
        preferred_username: username,
        email: `${username}@example.test`,
        email_verified: true,
        given_name: 'From',
        family_name: 'Idp',
      },
    });

  async function signIn(sub: string) {
    op.nextLogin(sub);
    const end = await followLogin(`${s.url}/sso/${idpId}/login`, s.url);
    const cookie = end.setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.split(';')[0];
    return { ...end, cookie };
  }

  before(async () => {
    s = await startTestServer({
      GATEHOUSE_SECRET_KEY: '7c'.repeat(32),
      GATEHOUSE_SSO_RATE_PER_MINUTE: '10000',
    });
    t = await ldapSubtree('jit');
    const staff = await t.addOu('staff');
    await t.addOu('contractors');
    await t.addUser(
      { uid: 'nina', givenName: 'Nina', sn: 'Ldap', mail: 'nina@example.test' },
      'staff',
    );
    await t.addUser(
      { uid: 'otto', givenName: 'Otto', sn: 'Ldap', mail: 'otto@example.test' },
      'contractors',
    );
    const r = await s.request('POST', '/api/people/v2/directories', {
      body: {
        type: 'ldap',
        name: 'Staff LDAP',
        preset: 'openldap',
        url: t.info.url,
        bind_dn: t.info.bindDn,
        bind_password: t.info.bindPassword,
        base_dn: staff,
        mapping: { firstname: 'givenName', surname: 'sn', email: 'mail' },
      },
    });
    assert.equal(r.status, 201, r.text);
    dirId = r.body.id as number;

    op = await startOidcProvider();
    const p = await s.request('POST', '/api/people/v2/identity-providers', {
      body: {
        type: 'oidc',
        name: 'Company OP',
        issuer: op.issuer,
        client_id: 'jit',
        client_secret: 'jit-secret-0123456789abcdef0123456',
        attribute_mapping: {
          username: 'preferred_username',
          email: 'email',
          firstname: 'given_name',
          surname: 'family_name',
        },
        // Off: only the directory may make accounts here.
        provision_on_first_login: false,
      },
    });
    assert.equal(p.status, 201, p.text);
    idpId = p.body.id as number;
    op.start([
      {
        client_id: 'jit',
        client_secret: 'jit-secret-0123456789abcdef0123456',
        redirect_uris: [`${s.url}/sso/${idpId}/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ]);
    account('op-nina', 'nina');
    account('op-otto', 'otto');
    account('op-pia', 'pia');
  });
  after(async () => {
    await op?.close();
    await s?.close();
  });

  it('an entry in scope, not synced yet: explain says so, then the login syncs it, links it and signs in', async () => {
    assert.equal(await s.app.core.people.findByUsername('nina'), undefined);
    const explained = await s.request(
      'POST',
      `/api/people/v2/identity-providers/${idpId}/explain`,
      {
        body: { username: 'nina' },
      },
    );
    assert.equal(explained.status, 200, explained.text);
    assert.equal(explained.body.outcome, 'signed_in');
    assert.match(explained.body.reason, /Staff LDAP has nina in its sync's scope/);
    // The dry run wrote nothing.
    assert.equal(await s.app.core.people.findByUsername('nina'), undefined);

    const end = await signIn('op-nina');
    assert.equal(end.status, 303, end.text);
    assert.ok(end.cookie);
    const me = await s.request('GET', '/api/session', {
      key: null,
      headers: { cookie: end.cookie },
    });
    assert.equal(me.body.user.username, 'nina');
    const row = await s.app.core.people.row(me.body.user.id as number);
    // Made by the directory (its fields, its password), not by the IdP.
    assert.deepEqual(
      [row.origin, row.directory_id, row.password_authority, row.firstname, row.surname],
      ['ldap', dirId, 'directory', 'Nina', 'Ldap'],
    );
    const ids = await s.request('GET', `/api/people/v2/users/${row.id}/identities`);
    assert.deepEqual((ids.body.data as { provider: string }[]).map((i) => i.provider).sort(), [
      `directory:${dirId}`,
      `idp:${idpId}`,
    ]);
    // Audited as a sync (the directory's actor), then the sign-in with its reason.
    const created = await lastEvent(s, 'person.create');
    assert.equal(created.target_id, String(row.id));
    assert.match(created.actor_label ?? '', /^directory:Staff LDAP \(just in time/);
    const login = await lastEvent(s);
    assert.equal(login.outcome, 'signed_in');
    assert.match(login.reason, /synced just now from the directory Staff LDAP/);

    // The next login goes through the link; no second account.
    const again = await signIn('op-nina');
    assert.equal(again.status, 303);
    const count = await s.app.store.db
      .selectFrom('people')
      .select('id')
      .where('username_key', '=', 'nina')
      .execute();
    assert.equal(count.length, 1);
  });

  it('parallel first logins of one directory person: one account, every login signed in', async () => {
    await t.addUser(
      { uid: 'rita', givenName: 'Rita', sn: 'Ldap', mail: 'rita@example.test' },
      'staff',
    );
    // Through the core (the OIDC checks are the gate's, tested above): ten at once.
    const outs = await Promise.all(
      Array.from({ length: 10 }, () =>
        s.app.sso.complete({
          providerId: idpId,
          subject: 'op-rita',
          linkable: true,
          attributes: { preferred_username: ['rita'], email: ['rita@example.test'] },
        }),
      ),
    );
    assert.deepEqual(
      outs.map((o) => o.outcome),
      Array.from({ length: 10 }, () => 'signed_in'),
      JSON.stringify(outs.filter((o) => o.outcome !== 'signed_in')),
    );
    const ids = new Set(outs.map((o) => (o.outcome === 'signed_in' ? o.personId : -1)));
    assert.equal(ids.size, 1);
    const rows = await s.app.store.db
      .selectFrom('people')
      .select(['id', 'origin'])
      .where('username_key', '=', 'rita')
      .execute();
    assert.deepEqual(
      rows.map((r) => r.origin),
      ['ldap'],
    );
  });

  it("an entry outside the sync's base DN: refused, and the page and the audit say why", async () => {
    const end = await signIn('op-otto');
    assert.equal(end.status, 403, end.text);
    assert.equal(end.cookie, undefined);
    assert.match(end.text, /No account exists for otto/);
    assert.match(
      end.text,
      /the sync does not bring it in: uid=otto,ou=contractors,.* is not under the base DN ou=staff/,
    );
    assert.equal(await s.app.core.people.findByUsername('otto'), undefined);
    const login = await lastEvent(s);
    assert.equal(login.outcome, 'refused');
    assert.match(login.reason, /not under the base DN/);
  });

  it('no entry anywhere: refused, saying no directory has one', async () => {
    const end = await signIn('op-pia');
    assert.equal(end.status, 403, end.text);
    assert.match(end.text, /No user directory has an entry for pia either/);
  });

  it('a directory that does not answer: refused as unavailable, with a clear page, nothing made', async () => {
    // A second directory at a port nobody listens on.
    const dead = await s.request('POST', '/api/people/v2/directories', {
      body: {
        type: 'ldap',
        name: 'Branch LDAP',
        preset: 'openldap',
        url: `ldap://127.0.0.1:${await freePort()}`,
        bind_dn: t.info.bindDn,
        bind_password: t.info.bindPassword,
        base_dn: t.baseDn,
        mapping: { firstname: 'givenName', surname: 'sn', email: 'mail' },
      },
    });
    assert.equal(dead.status, 201, dead.text);
    const end = await signIn('op-pia');
    assert.equal(end.status, 503, end.text);
    assert.equal(end.cookie, undefined);
    assert.match(end.text, /could not be looked up in the user directory/);
    assert.match(
      end.text,
      /the directory Branch LDAP could not be searched \(The directory at ldap:\/\/127\.0\.0\.1:\d+ refused the connection/,
    );
    assert.doesNotMatch(end.text, /\.ts:\d+|Error:/);
    const login = await lastEvent(s);
    assert.equal(login.errorType, 'sso_directory_unavailable');
    assert.equal(await s.app.core.people.findByUsername('pia'), undefined);
  });
});
