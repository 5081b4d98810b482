/**
 * Twenty first logins of one new person at once, over HTTP through each real identity
 * provider (SimpleSAMLphp's POSTs to our ACS, oidc-provider's redirects to our callback):
 * exactly one account and one identity link are made, and every one of the twenty is
 * answered with a session for that account (asserted: not merely "a session or a clear
 * page" — a person who double-clicked is signed in, whichever answer the browser keeps).
 * Each login is a complete one of its own (its own login request, browser cookie and IdP
 * answer), prepared first and then delivered all at once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { oidcDriver, samlDriver, type IdpDriver } from '../helpers/sso-drivers.ts';

const PARALLEL = 20;
let server: TestServer;

before(async () => {
  server = await startTestServer({
    GATEHOUSE_SECRET_KEY: '2c'.repeat(32),
    GATEHOUSE_SSO_RATE_PER_MINUTE: '10000',
  });
});
after(() => server?.close());

for (const make of [samlDriver, oidcDriver]) {
  describe(`parallel first logins through ${make === samlDriver ? 'SimpleSAMLphp (SAML)' : 'oidc-provider (OIDC)'}`, () => {
    let d: IdpDriver;
    before(async () => {
      d = await make(server, { provision_on_first_login: true });
    });
    after(() => d?.close());

    it(`${PARALLEL} completed logins of one new person at once: one account, one link, all ${PARALLEL} signed in as it`, async () => {
      const username = `par${d.protocol}${process.pid}`;
      d.addPerson(username);
      const prepared = [];
      for (let i = 0; i < PARALLEL; i++) prepared.push(await d.prepare(username));
      assert.equal(
        (
          await server.app.store.db
            .selectFrom('people')
            .select('id')
            .where('username', '=', username)
            .execute()
        ).length,
        0,
        'no account before',
      );

      const answers = await Promise.all(prepared.map((deliver) => deliver()));

      assert.deepEqual(
        answers.map((a) => a.status),
        Array.from({ length: PARALLEL }, () => 303),
        answers
          .filter((a) => a.status !== 303)
          .map((a) => a.text)
          .join('\n'),
      );
      const accounts = await server.app.store.db
        .selectFrom('people')
        .select(['id', 'origin'])
        .where('username', '=', username)
        .execute();
      assert.deepEqual(
        accounts.map((a) => a.origin),
        ['sso'],
        'exactly one account',
      );
      const links = await server.app.store.db
        .selectFrom('external_identities')
        .select(['person_id', 'external_id'])
        .where('provider', '=', `idp:${d.providerId}`)
        .execute();
      assert.deepEqual(links, [{ person_id: accounts[0]!.id, external_id: d.subjectOf(username) }]);
      // Every answer carries a session, and each is the one account's.
      const who = await Promise.all(
        answers.map(async (a) => {
          assert.ok(a.cookie, 'a session cookie');
          const r = await server.request('GET', '/api/session', {
            key: null,
            headers: { cookie: a.cookie },
          });
          return r.status === 200 ? (r.body.user.id as number) : r.status;
        }),
      );
      assert.deepEqual(
        who,
        Array.from({ length: PARALLEL }, () => accounts[0]!.id),
      );
      // Audited: one made it, the others signed in to it.
      const events = await server.app.store.db
        .selectFrom('audit_events')
        .select('changes')
        .where('action', '=', 'sso.login')
        .where('target_id', '=', String(accounts[0]!.id))
        .execute();
      const outcomes = events
        .map((e) => (JSON.parse(e.changes ?? '{}') as { outcome?: [unknown, string] }).outcome?.[1])
        .sort();
      assert.deepEqual(outcomes, [
        'provisioned',
        ...Array.from({ length: PARALLEL - 1 }, () => 'signed_in'),
      ]);
    });
  });
}
