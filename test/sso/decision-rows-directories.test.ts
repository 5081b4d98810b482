/**
 * The rows of the first-login decision with a user directory present (a real OpenLDAP),
 * through both real identity providers (SimpleSAMLphp over SAML, oidc-provider over OpenID
 * Connect): "even if directories are present" off refuses someone the directory does not
 * have, or syncs them just in time when their entry is in the sync's scope; on, it
 * provisions. Each row asserts the page's sentence, the audit event and the accounts made.
 * A server of its own: a directory changes the decision of every provider on the site.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ldapSubtree, type LdapSubtree } from '../helpers/slapd.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { lastEvent, peopleCount, signedInAs } from '../helpers/sso-facts.ts';
import {
  oidcDriver,
  samlDriver,
  type IdpDriver,
  type LoginAnswer,
} from '../helpers/sso-drivers.ts';
import { defaultMessage } from '../../src/core/errors.ts';

let server: TestServer;
let t: LdapSubtree;
let dirId: number;
let n = 0;

before(async () => {
  server = await startTestServer({
    GATEHOUSE_SECRET_KEY: '8d'.repeat(32),
    GATEHOUSE_SSO_RATE_PER_MINUTE: '10000',
  });
  t = await ldapSubtree('rows');
  const staff = await t.addOu('staff');
  await t.addOu('contractors');
  const r = await server.request('POST', '/api/people/v2/directories', {
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
});
after(() => server?.close());

async function accountsNamed(username: string) {
  return server.app.store.db
    .selectFrom('people')
    .select(['id', 'origin', 'origin_source', 'directory_id', 'password_authority', 'firstname'])
    .where('username', '=', username)
    .execute();
}

async function evenIfDirectories(d: IdpDriver, on: boolean): Promise<void> {
  const r = await server.request('PATCH', `/api/people/v2/identity-providers/${d.providerId}`, {
    body: {
      provision_on_first_login: true,
      not_found_redirect_url: null,
      provision_even_if_directories: on,
    },
  });
  assert.equal(r.status, 200, r.text);
}

function assertRefusedPage(a: LoginAnswer, type: Parameters<typeof defaultMessage>[0]): void {
  assert.equal(a.status, 403, a.text);
  assert.equal(a.cookie, undefined, 'no session cookie');
  const sentence = defaultMessage(type).replace(/&/g, '&#38;').replace(/'/g, '&#39;');
  assert.ok(a.text.includes(`<p data-testid="sso-message">${sentence}</p>`), a.text);
  assert.doesNotMatch(a.text, /\.ts:\d+|Error:/, 'no stack trace');
}

for (const make of [samlDriver, oidcDriver]) {
  describe(`with a directory present, through ${make === samlDriver ? 'SimpleSAMLphp (SAML)' : 'oidc-provider (OIDC)'}`, () => {
    let d: IdpDriver;
    const person = (prefix: string) => {
      const username = `${prefix}${++n}x${process.pid}`;
      d.addPerson(username);
      return username;
    };
    before(async () => {
      d = await make(server);
    });
    after(() => d?.close());

    it('2.3 "even if" off, nobody in the directory: refused, saying accounts come from the directory; nothing made', async () => {
      await evenIfDirectories(d, false);
      const username = person('nodir');
      const before = await peopleCount(server);
      const a = await d.login(username);
      assertRefusedPage(a, 'sso_directories_present');
      assert.match(a.text, /accounts on this site come from its user directory/);
      const e = await lastEvent(server, 'sso.login');
      assert.deepEqual([e.outcome, e.errorType], ['refused', 'sso_directories_present']);
      assert.match(
        e.reason,
        /this site has 1 user directory and "Enable SSO user provisioning even if directories are present" is off, so no account is created\./,
      );
      assert.match(
        e.reason,
        new RegExp(`No user directory has an entry for ${username} either\\.$`),
      );
      assert.equal(await peopleCount(server), before);
      assert.deepEqual(await accountsNamed(username), []);
    });

    it('2.3 "even if" off, an entry in the sync\'s scope not synced yet: synced just in time, linked, signed in', async () => {
      await evenIfDirectories(d, false);
      const username = person('jit');
      await t.addUser(
        { uid: username, givenName: 'Jit', sn: 'Ldap', mail: `${username}@ldap.example` },
        'staff',
      );
      const before = await peopleCount(server);
      const a = await d.login(username);
      assert.equal(a.status, 303, a.text);
      assert.equal(await signedInAs(server, a.cookie), username);
      const made = await accountsNamed(username);
      // The directory's account (its fields, its password), not the IdP's.
      assert.deepEqual(
        made.map((m) => [m.origin, m.directory_id, m.password_authority, m.firstname]),
        [['ldap', dirId, 'directory', 'Jit']],
      );
      assert.equal(await peopleCount(server), before + 1);
      const created = await lastEvent(server, 'person.create');
      assert.equal(created.target_id, String(made[0]!.id));
      assert.match(created.actor_label ?? '', /^directory:Staff LDAP \(just in time/);
      const e = await lastEvent(server, 'sso.login');
      assert.equal(e.outcome, 'signed_in');
      assert.match(e.reason, /synced just now from the directory Staff LDAP/);
      const links = await server.app.store.db
        .selectFrom('external_identities')
        .select('provider')
        .where('person_id', '=', made[0]!.id)
        .orderBy('provider')
        .execute();
      assert.deepEqual(
        links.map((l) => l.provider),
        [`directory:${dirId}`, `idp:${d.providerId}`],
      );
    });

    it('2.3 "even if" off, an entry outside the sync\'s base DN: refused, saying why; nothing made', async () => {
      await evenIfDirectories(d, false);
      const username = person('outside');
      await t.addUser(
        { uid: username, givenName: 'Out', sn: 'Side', mail: `${username}@ldap.example` },
        'contractors',
      );
      const before = await peopleCount(server);
      const a = await d.login(username);
      assertRefusedPage(a, 'sso_directories_present');
      const e = await lastEvent(server, 'sso.login');
      assert.equal(e.outcome, 'refused');
      assert.match(
        e.reason,
        new RegExp(
          `the sync does not bring it in: uid=${username},ou=contractors,.* is not under the base DN ou=staff`,
        ),
      );
      assert.ok(a.text.includes('is not under the base DN'), 'the page gives the reason');
      assert.equal(await peopleCount(server), before);
    });

    it('2.4 "even if" on: provisioned by the IdP although a directory is present', async () => {
      await evenIfDirectories(d, true);
      const username = person('evenif');
      const before = await peopleCount(server);
      const a = await d.login(username);
      assert.equal(a.status, 303, a.text);
      assert.equal(await signedInAs(server, a.cookie), username);
      const e = await lastEvent(server, 'sso.login');
      assert.equal(e.outcome, 'provisioned');
      const made = await accountsNamed(username);
      assert.deepEqual(
        made.map((m) => [m.origin, m.origin_source, m.directory_id, m.password_authority]),
        [['sso', `idp:${d.providerId}`, null, 'idp']],
      );
      assert.equal(await peopleCount(server), before + 1);
    });
  });
}
