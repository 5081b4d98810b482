/**
 * The first-login decision carried out by app.sso.complete on a real database: every row of
 * DESIGN.md's table, the audit event of each decision, explain, and parallel first logins.
 * (The protocol gates are tested apart: test/sso/oidc.test.ts, test/sso/saml*.test.ts.)
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.ts';
import type { App } from '../../src/app.ts';
import type { Actor } from '../../src/core/context.ts';
import type { VerifiedLogin } from '../../src/core/sso/types.ts';
import { insertDirectory } from '../../src/store/directory-repo.ts';

const admin: Actor = { personId: null, label: 'test', gate: 'api' };
let app: App & { dispose(): Promise<void> };
let n = 0;

async function provider(over: Record<string, unknown> = {}) {
  n++;
  return app.sso.providers.create(admin, {
    type: 'oidc',
    name: `IdP ${n}`,
    issuer: 'https://idp.example.org',
    client_id: `client-${n}`,
    client_secret: 's3cret',
    attribute_mapping: {
      username: 'preferred_username',
      email: 'email',
      firstname: 'given_name',
      surname: 'family_name',
    },
    match_by: ['username', 'email'],
    ...over,
  });
}

function login(
  providerId: number,
  who: string,
  extra: Record<string, string[]> = {},
): VerifiedLogin {
  return {
    providerId,
    subject: `sub-${who}`,
    linkable: true,
    attributes: {
      preferred_username: [who],
      email: [`${who}@example.org`],
      given_name: ['Given'],
      family_name: ['Family'],
      ...extra,
    },
  };
}

async function person(username: string, email = `${username}@example.org`) {
  return app.core.people.create(admin, { username, firstname: 'A', surname: 'B', email });
}

async function lastSsoEvent() {
  const r = await app.store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'sso.login')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return { ...r, changes: JSON.parse(r.changes ?? '{}') as Record<string, [unknown, unknown]> };
}

before(async () => {
  app = await startTestApp({ GATEHOUSE_SECRET_KEY: 'a'.repeat(64) });
});
after(async () => app.dispose());

describe('SSO first login on a real database', () => {
  it('the client secret is sealed at rest and opens again', async () => {
    const p = await provider();
    const row = await app.store.db
      .selectFrom('identity_providers')
      .select('sealed_secret')
      .where('id', '=', p.id)
      .executeTakeFirstOrThrow();
    assert.ok(row.sealed_secret && !row.sealed_secret.includes('s3cret'));
    assert.equal(app.sso.providers.clientSecret(p), 's3cret');
  });

  it('1. a matching account signs in, is linked, and last_login_at is kept', async () => {
    const p = await provider();
    const ada = await person('ada1');
    const out = await app.sso.complete(login(p.id, 'ada1'), { requestId: 'r1', ip: '127.0.0.1' });
    assert.deepEqual(out.outcome === 'signed_in' && out.personId, ada.id);
    const link = await app.store.db
      .selectFrom('external_identities')
      .selectAll()
      .where('provider', '=', `idp:${p.id}`)
      .executeTakeFirstOrThrow();
    assert.deepEqual([link.external_id, link.person_id], ['sub-ada1', ada.id]);
    assert.ok((await app.core.people.get(ada.id)).last_login_at);
    const e = await lastSsoEvent();
    assert.equal(e.changes.outcome?.[1], 'signed_in');
    assert.match(String(e.changes.reason?.[1]), /matched by username ada1/);
    assert.equal(e.request_id, 'r1');
    // Next time by the link, even after a rename at the IdP.
    const again = await app.sso.complete(login(p.id, 'ada1', { preferred_username: ['renamed'] }));
    assert.equal(again.outcome === 'signed_in' && again.personId, ada.id);
    assert.match(again.reason, /linked identity/);
  });

  it('1. a blocked account is refused, with the reason audited', async () => {
    const p = await provider({ provision_on_first_login: true });
    const bob = await person('bob1');
    await app.core.people.block(admin, bob.id, 'left');
    const out = await app.sso.complete(login(p.id, 'bob1'));
    assert.equal(out.outcome === 'refused' && out.errorType, 'sso_account_blocked');
    const e = await lastSsoEvent();
    assert.equal(e.outcome, 'failure');
    assert.equal(e.changes.outcome?.[1], 'refused');
    assert.match(String(e.changes.reason?.[1]), /blocked/);
  });

  it('1. a frozen account is refused', async () => {
    const p = await provider();
    const f = await person('frozen1');
    await app.store.db
      .updateTable('people')
      .set({ state: 'frozen', frozen_until: new Date(Date.now() + 3_600_000).toISOString() })
      .where('id', '=', f.id)
      .execute();
    const out = await app.sso.complete(login(p.id, 'frozen1'));
    assert.equal(out.outcome === 'refused' && out.errorType, 'sso_account_frozen');
  });

  it('1. matching by email when the username differs', async () => {
    const p = await provider({ match_by: ['username', 'email'] });
    const c = await person('carol.local', 'carol1@example.org');
    const out = await app.sso.complete(login(p.id, 'carol1'));
    assert.equal(out.outcome === 'signed_in' && out.personId, c.id);
  });

  it('2.1 a redirect URL: redirected, no account made', async () => {
    const p = await provider({
      provision_on_first_login: true,
      not_found_redirect_url: 'https://example.org/request-access',
    });
    const out = await app.sso.complete(login(p.id, 'dan1'));
    assert.deepEqual(out.outcome === 'redirected' && out.url, 'https://example.org/request-access');
    assert.equal(await app.core.people.findByUsername('dan1'), undefined);
    assert.equal((await lastSsoEvent()).changes.outcome?.[1], 'redirected');
  });

  it('2.2 provisioning off: refused with the sentence, no account', async () => {
    const p = await provider();
    const out = await app.sso.complete(login(p.id, 'erin1'));
    assert.equal(out.outcome === 'refused' && out.errorType, 'sso_no_account');
    assert.match(
      out.reason,
      /No account exists for erin1, and this site does not create accounts at first login/,
    );
    assert.equal(await app.core.people.findByUsername('erin1'), undefined);
  });

  it('2.4 provisioning on, no directories: a local account managed by the IdP, linked, signed in', async () => {
    const g = await app.core.groups.create(admin, { name: `SSO people ${n}` });
    const p = await provider({ provision_on_first_login: true, defaults: { groups: [g.id] } });
    const out = await app.sso.complete(login(p.id, 'fay1'));
    assert.equal(out.outcome, 'provisioned');
    const fay = await app.core.people.findByUsername('fay1');
    assert.ok(fay);
    const row = await app.core.people.row(fay.id);
    assert.deepEqual(
      [row.origin, row.origin_source, row.password_authority, row.password_hash, row.email],
      ['sso', `idp:${p.id}`, 'idp', null, 'fay1@example.org'],
    );
    assert.ok(row.last_login_at);
    const members = await app.store.db
      .selectFrom('group_members')
      .select('person_id')
      .where('group_id', '=', g.id)
      .execute();
    assert.deepEqual(
      members.map((m) => m.person_id),
      [fay.id],
    );
    const again = await app.sso.complete(login(p.id, 'fay1'));
    assert.equal(again.outcome === 'signed_in' && again.personId, fay.id);
  });

  it('2.4 a transient identity is provisioned but not linked; its next login matches by username', async () => {
    const p = await provider({ provision_on_first_login: true });
    const t = { ...login(p.id, 'gus1'), linkable: false, subject: 'transient-1' };
    assert.equal((await app.sso.complete(t)).outcome, 'provisioned');
    const links = await app.store.db
      .selectFrom('external_identities')
      .selectAll()
      .where('provider', '=', `idp:${p.id}`)
      .execute();
    assert.equal(links.length, 0);
    const next = await app.sso.complete({ ...t, subject: 'transient-2' });
    assert.equal(next.outcome, 'signed_in');
  });

  it('2.4 a username taken by an account that does not match is refused, not duplicated', async () => {
    const p = await provider({ provision_on_first_login: true, match_by: ['email'] });
    await person('hal1', 'someone.else@example.org');
    const out = await app.sso.complete(login(p.id, 'hal1'));
    assert.equal(out.outcome === 'refused' && out.errorType, 'sso_provision_failed');
    assert.match(out.reason, /username hal1/);
  });

  it('explain answers what the next login would do, writing nothing', async () => {
    const p = await provider({ provision_on_first_login: true });
    const ivy = await person('ivy1');
    assert.deepEqual(await app.sso.explain(p.id, { username: 'ivy1' }), {
      outcome: 'signed_in',
      reason: 'Signed in as ivy1 (matched by username ivy1).',
      person_id: ivy.id,
    });
    const nobody = await app.sso.explain(p.id, { username: 'nobody1' });
    assert.equal(nobody.outcome, 'provisioned');
    assert.equal(await app.core.people.findByUsername('nobody1'), undefined);
    await app.core.people.block(admin, ivy.id, null);
    assert.equal((await app.sso.explain(p.id, { email: 'ivy1@example.org' })).outcome, 'refused');
  });

  it('20 parallel first logins of one person make exactly one account', async () => {
    const p = await provider({ provision_on_first_login: true });
    const outs = await Promise.all(
      Array.from({ length: 20 }, () => app.sso.complete(login(p.id, 'par1'))),
    );
    const ids = new Set(
      outs.map((o) => (o.outcome === 'refused' || o.outcome === 'redirected' ? -1 : o.personId)),
    );
    assert.equal(ids.size, 1, JSON.stringify(outs.filter((o) => o.outcome === 'refused')));
    assert.ok(!ids.has(-1));
    assert.equal(outs.filter((o) => o.outcome === 'provisioned').length, 1);
    const count = await app.store.db
      .selectFrom('people')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('username_key', '=', 'par1')
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
  });

  it('further claims (OIDC userinfo) are asked for only when no identity is linked; a failure refuses', async () => {
    const p = await provider({ provision_on_first_login: true });
    let asked = 0;
    const withMore = (who: string, fail = false): VerifiedLogin => {
      const full = login(p.id, who);
      return {
        providerId: p.id,
        subject: full.subject,
        linkable: true,
        attributes: {},
        moreAttributes: () => {
          asked++;
          return fail
            ? Promise.reject(new Error('userinfo answered 500'))
            : Promise.resolve({ attributes: full.attributes, unverified: [] });
        },
      };
    };
    const first = await app.sso.complete(withMore('uma1'));
    assert.equal(first.outcome, 'provisioned');
    assert.equal(asked, 1);
    // Linked now: the verified subject is enough, the IdP is not asked again.
    const again = await app.sso.complete(withMore('uma1'));
    assert.equal(
      again.outcome === 'signed_in' && again.personId,
      first.outcome === 'provisioned' && first.personId,
    );
    assert.equal(asked, 1);
    const failed = await app.sso.complete(withMore('uma2', true));
    assert.equal(failed.outcome === 'refused' && failed.errorType, 'sso_idp_error');
    assert.match(failed.reason, /userinfo\) could not be read: userinfo answered 500/);
    assert.equal(await app.core.people.findByUsername('uma2'), undefined);
  });

  // Directories last: once one exists, every later provider here sees it.
  it('2.3 directories present, "even if directories" off: refused, saying why; on: provisioned', async () => {
    await insertDirectory(app.store.db, 'Corp LDAP', 'ldap', [], new Date().toISOString());
    const off = await provider({ provision_on_first_login: true });
    const out = await app.sso.complete(login(off.id, 'jay1'));
    assert.equal(out.outcome === 'refused' && out.errorType, 'sso_directories_present');
    assert.match(out.reason, /Enable SSO user provisioning even if directories are present/);
    const on = await provider({
      provision_on_first_login: true,
      provision_even_if_directories: true,
    });
    assert.equal((await app.sso.complete(login(on.id, 'jay1'))).outcome, 'provisioned');
  });

  it('2.3 directories present, an entry in scope is synced just in time and signed in', async () => {
    const p = await provider();
    const synced = await person('kim1');
    let asked: unknown;
    app.sso.directoryLookup = {
      lookup: (by, ctx) => {
        asked = { by, dryRun: ctx.dryRun ?? false };
        return Promise.resolve({
          found: true,
          inScope: true,
          directoryName: 'Corp LDAP',
          entry: { externalId: 'e1', username: 'kim2', fields: {}, profile: {}, active: true },
          personId: synced.id,
        });
      },
    };
    try {
      const out = await app.sso.complete(login(p.id, 'kim2'));
      assert.equal(out.outcome === 'signed_in' && out.personId, synced.id);
      assert.match(out.reason, /synced just now from the directory Corp LDAP/);
      assert.deepEqual(asked, {
        by: { username: 'kim2', email: 'kim2@example.org' },
        dryRun: false,
      });
    } finally {
      app.sso.directoryLookup = undefined;
    }
  });
});
