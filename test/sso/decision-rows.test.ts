/**
 * Every row of the first-login decision (DESIGN.md, "SSO login handler") without user
 * directories, through both real identity providers: SimpleSAMLphp over SAML and
 * oidc-provider over OpenID Connect, from our /sso/{id}/login to the ACS or callback. Each
 * row asserts what the person sees (the page's sentence, or where they are sent), the audit
 * event (sso.login, its outcome and reason) and the accounts made. The rows with directories
 * present are in decision-rows-directories.test.ts (a directory changes every provider).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { lastEvent, peopleCount, signedInAs } from '../helpers/sso-facts.ts';
import {
  oidcDriver,
  samlDriver,
  type IdpDriver,
  type LoginAnswer,
} from '../helpers/sso-drivers.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { defaultMessage } from '../../src/core/errors.ts';

let server: TestServer;
let n = 0;

before(async () => {
  server = await startTestServer({
    GATEHOUSE_SECRET_KEY: '4f'.repeat(32),
    GATEHOUSE_SSO_RATE_PER_MINUTE: '10000',
  });
});
after(() => server?.close());

async function accountsNamed(username: string) {
  return server.app.store.db
    .selectFrom('people')
    .select(['id', 'origin', 'origin_source', 'password_authority'])
    .where('username', '=', username)
    .execute();
}

async function linksOf(d: IdpDriver, username: string) {
  return server.app.store.db
    .selectFrom('external_identities')
    .select(['person_id'])
    .where('provider', '=', `idp:${d.providerId}`)
    .where('external_id', '=', d.subjectOf(username))
    .execute();
}

/** The provider's three provisioning options for the row. */
async function options(
  d: IdpDriver,
  o: { provision: boolean; redirect?: string | null },
): Promise<void> {
  const r = await server.request('PATCH', `/api/people/v2/identity-providers/${d.providerId}`, {
    body: {
      provision_on_first_login: o.provision,
      not_found_redirect_url: o.redirect ?? null,
      provision_even_if_directories: false,
    },
  });
  assert.equal(r.status, 200, r.text);
}

/** A refusal as the person sees it: the catalogue's sentence and the reason, no session. */
function assertRefusedPage(a: LoginAnswer, type: Parameters<typeof defaultMessage>[0]): void {
  assert.equal(a.status, 403, a.text);
  assert.equal(a.cookie, undefined, 'no session cookie');
  const sentence = defaultMessage(type).replace(/&/g, '&#38;').replace(/'/g, '&#39;');
  assert.ok(a.text.includes(`<p data-testid="sso-message">${sentence}</p>`), a.text);
  assert.doesNotMatch(a.text, /\.ts:\d+|Error:/, 'no stack trace');
}

/** Fails the local password sign-in until the account is locked (state frozen). */
async function freeze(username: string): Promise<void> {
  const { attemptsAllowed } = await server.app.core.settings.passwordPolicy();
  for (let i = 0; i < attemptsAllowed; i++) {
    const r = await server.request('POST', '/api/session', {
      key: null,
      body: { username, password: 'not-the-password' },
    });
    assert.equal(r.status, 401, r.text);
  }
  const row = await accountsNamed(username);
  const state = await server.app.store.db
    .selectFrom('people')
    .select('state')
    .where('id', '=', row[0]!.id)
    .executeTakeFirstOrThrow();
  assert.equal(state.state, 'frozen');
}

for (const make of [samlDriver, oidcDriver]) {
  describe(`the decision's rows through ${make === samlDriver ? 'SimpleSAMLphp (SAML)' : 'oidc-provider (OIDC)'}`, () => {
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

    it('1. an account that matches by username: signed in and linked; the next login goes through the link', async () => {
      await options(d, { provision: false });
      const username = person('match');
      const local = await server.makeUser(username);
      const before = await peopleCount(server);
      const a = await d.login(username);
      assert.equal(a.status, 303, a.text);
      assert.equal(a.location, '/');
      assert.equal(await signedInAs(server, a.cookie), username);
      let e = await lastEvent(server);
      assert.deepEqual([e.outcome, e.audit], ['signed_in', 'success']);
      assert.equal(e.reason, `Signed in as ${username} (matched by username ${username}).`);
      assert.deepEqual(await linksOf(d, username), [{ person_id: local.id }]);

      const again = await d.login(username);
      assert.equal(again.status, 303, again.text);
      assert.equal(await signedInAs(server, again.cookie), username);
      e = await lastEvent(server);
      assert.equal(e.outcome, 'signed_in');
      assert.equal(
        e.reason,
        `Signed in as ${username} (linked identity at ${d.protocol === 'saml' ? 'SimpleSAMLphp' : 'oidc-provider'}).`,
      );
      assert.equal(await peopleCount(server), before, 'no account made');
    });

    it('1. a blocked account: refused with "Your account is blocked", no session', async () => {
      await options(d, { provision: true });
      const username = person('blocked');
      const u = await server.makeUser(username);
      await server.app.core.people.block(SYSTEM_ACTOR, u.id, 'left');
      const before = await peopleCount(server);
      const a = await d.login(username);
      assertRefusedPage(a, 'sso_account_blocked');
      assert.match(a.text, /Your account is blocked; contact your People administrators\./);
      const e = await lastEvent(server);
      assert.deepEqual(
        [e.outcome, e.audit, e.errorType],
        ['refused', 'failure', 'sso_account_blocked'],
      );
      assert.match(
        e.reason,
        new RegExp(`^The account ${username} \\(matched by username ${username}\\) is blocked`),
      );
      assert.equal(await peopleCount(server), before);
      assert.deepEqual(await linksOf(d, username), []);
    });

    it('1. a frozen account (locked after failed password sign-ins): refused, no session', async () => {
      await options(d, { provision: true });
      const username = person('frozen');
      await server.makeUser(username);
      await freeze(username);
      const before = await peopleCount(server);
      const a = await d.login(username);
      assertRefusedPage(a, 'sso_account_frozen');
      assert.match(a.text, /Your account is locked for now after too many failed sign-ins/);
      const e = await lastEvent(server);
      assert.deepEqual(
        [e.outcome, e.audit, e.errorType],
        ['refused', 'failure', 'sso_account_frozen'],
      );
      assert.match(
        e.reason,
        /is locked after too many failed sign-ins; it cannot sign in until the lock ends/,
      );
      assert.equal(await peopleCount(server), before);
    });

    it('2.1 no account, a redirect URL set: sent there, no account made, no session', async () => {
      // Provisioning on too: the redirect URL comes first.
      await options(d, { provision: true, redirect: 'https://intranet.example/request-access' });
      const username = person('redir');
      const before = await peopleCount(server);
      const a = await d.login(username);
      assert.equal(a.status, 303, a.text);
      assert.equal(a.location, 'https://intranet.example/request-access');
      assert.equal(a.cookie, undefined);
      const e = await lastEvent(server);
      // Audited as a failure: nobody was signed in.
      assert.deepEqual([e.outcome, e.audit], ['redirected', 'failure']);
      assert.match(
        e.reason,
        new RegExp(
          `^No account matches ${username}; "URL to redirect to if the user is not found" is set`,
        ),
      );
      assert.equal(await peopleCount(server), before);
      assert.deepEqual(await accountsNamed(username), []);
    });

    it('2.2 no account, provisioning off: refused with "does not create accounts at first login", nothing made', async () => {
      await options(d, { provision: false });
      const username = person('noprov');
      const before = await peopleCount(server);
      const a = await d.login(username);
      assertRefusedPage(a, 'sso_no_account');
      assert.match(
        a.text,
        /No account exists for you, and this site does not create accounts at first login/,
      );
      const e = await lastEvent(server);
      assert.deepEqual([e.outcome, e.audit, e.errorType], ['refused', 'failure', 'sso_no_account']);
      assert.equal(
        e.reason,
        `No account exists for ${username}, and this site does not create accounts at first login ("Allow users to be provisioned on first login" is No).`,
      );
      // The page shows the administrator's reason too.
      assert.ok(a.text.includes(`data-testid="sso-reason">No account exists for ${username}, and`));
      assert.equal(await peopleCount(server), before);
      assert.deepEqual(await linksOf(d, username), []);
    });

    it('2.4 no account, provisioning on, no directories: provisioned (origin sso, password by the IdP), linked, signed in', async () => {
      await options(d, { provision: true });
      const username = person('prov');
      const before = await peopleCount(server);
      const a = await d.login(username);
      assert.equal(a.status, 303, a.text);
      assert.equal(await signedInAs(server, a.cookie), username);
      const e = await lastEvent(server);
      assert.deepEqual([e.outcome, e.audit], ['provisioned', 'success']);
      assert.match(
        e.reason,
        /"Allow users to be provisioned on first login" is Yes, so an account was created/,
      );
      const made = await accountsNamed(username);
      assert.deepEqual(
        made.map((m) => [m.origin, m.origin_source, m.password_authority]),
        [['sso', `idp:${d.providerId}`, 'idp']],
      );
      assert.equal(await peopleCount(server), before + 1);
      assert.deepEqual(await linksOf(d, username), [{ person_id: made[0]!.id }]);
    });
  });
}
