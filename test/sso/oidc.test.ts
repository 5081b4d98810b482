/**
 * OpenID Connect end to end against a real OpenID Provider (oidc-provider): login button to
 * console session, first-login provisioning, wrong state, replayed code, another client's
 * token, open redirect via return_to, the identities API and explain.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { followLogin, startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';

let gh: TestServer;
let op: TestOidcProvider;
let idpId: number;
let otherId: number;

before(async () => {
  gh = await startTestServer({
    GATEHOUSE_SECRET_KEY: 'b'.repeat(64),
    GATEHOUSE_SSO_RATE_PER_MINUTE: '10000',
  });
  op = await startOidcProvider();
  const mapping = {
    username: 'preferred_username',
    email: 'email',
    firstname: 'given_name',
    surname: 'family_name',
  };
  const r = await gh.request('POST', '/api/people/v2/identity-providers', {
    body: {
      type: 'oidc',
      name: 'Test OP',
      issuer: op.issuer,
      client_id: 'gatehouse',
      client_secret: 'gatehouse-secret-0123456789abcdef',
      attribute_mapping: mapping,
      provision_on_first_login: true,
    },
  });
  assert.equal(r.status, 201, r.text);
  idpId = r.body.id;
  assert.equal(r.body.redirect_uri, `${gh.url}/sso/${idpId}/callback`);
  assert.equal(r.body.client_secret_set, true);
  assert.equal(r.text.includes('gatehouse-secret'), false);
  // A second relying party registered at the same OP, for "another client's token".
  const o = await gh.request('POST', '/api/people/v2/identity-providers', {
    body: {
      type: 'oidc',
      name: 'Other client',
      issuer: op.issuer,
      client_id: 'other-app',
      client_secret: 'other-secret-0123456789abcdef0123',
      attribute_mapping: mapping,
      provision_on_first_login: true,
    },
  });
  otherId = o.body.id;
  op.start([
    {
      client_id: 'gatehouse',
      client_secret: 'gatehouse-secret-0123456789abcdef',
      redirect_uris: [`${gh.url}/sso/${idpId}/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    {
      client_id: 'other-app',
      client_secret: 'other-secret-0123456789abcdef0123',
      redirect_uris: [`${gh.url}/sso/${otherId}/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ]);
  for (const sub of ['u-ada', 'u-bob', 'u-eve'])
    op.addAccount({
      sub,
      claims: {
        preferred_username: sub.slice(2),
        email: `${sub.slice(2)}@example.org`,
        email_verified: true,
        given_name: 'Given',
        family_name: 'Family',
      },
    });
});
after(async () => {
  await op.close();
  await gh.close();
});

function sessionCookie(setCookie: string[]): string | undefined {
  return setCookie.find((c) => c.startsWith('gh_session='))?.split(';')[0];
}

/** The login's browser binding cookie (`name=value`) from GET /sso/{id}/login. */
function browserCookie(res: Response): string {
  const c = res.headers
    .getSetCookie()
    .find((x) => x.startsWith('gh_sso_browser='))
    ?.split(';')[0];
  assert.ok(c, 'GET /sso/{id}/login sets the browser binding cookie');
  return c;
}

function browserCookieHeader(res: Response): string {
  return res.headers.getSetCookie().find((x) => x.startsWith('gh_sso_browser=')) ?? '';
}

/** Starts a login and walks the IdP's redirects up to our callback URL (not fetched). */
async function callbackUrl(providerId: number): Promise<{ callback: string; bind: string }> {
  const start = await fetch(`${gh.url}/sso/${providerId}/login`, { redirect: 'manual' });
  const bind = browserCookie(start);
  let url = start.headers.get('location')!;
  const cookies = new Map<string, string>();
  for (let i = 0; i < 10; i++) {
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const j = pair!.indexOf('=');
      cookies.set(pair!.slice(0, j), pair!.slice(j + 1));
    }
    const next = new URL(res.headers.get('location')!, url).href;
    if (next.startsWith(`${gh.url}/sso/`)) return { callback: next, bind };
    url = next;
  }
  throw new Error('the OpenID Provider did not send the browser back');
}

describe('OIDC login with a real OpenID Provider', () => {
  it('first login provisions, signs in with the console session, and lands on return_to', async () => {
    op.nextLogin('u-ada');
    const end = await followLogin(`${gh.url}/sso/${idpId}/login?return_to=/users?x=1`, gh.url);
    assert.equal(end.status, 303, end.text);
    assert.equal(end.location, `${gh.url}/users?x=1`);
    const cookie = sessionCookie(end.setCookie);
    assert.ok(cookie);
    const me = await gh.request('GET', '/api/session', { key: null, headers: { cookie } });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.username, 'ada');
    const row = await gh.app.core.people.row(me.body.user.id);
    assert.deepEqual([row.origin, row.password_authority], ['sso', 'idp']);
    const ids = await gh.request('GET', `/api/people/v2/users/${row.id}/identities`);
    assert.deepEqual(
      ids.body.data.map(
        (i: { provider: string; external_id: string }) => `${i.provider}/${i.external_id}`,
      ),
      [`idp:${idpId}/u-ada`],
    );
  });

  it('return_to to another site is dropped (open redirect)', async () => {
    for (const bad of [
      '//evil.example/x',
      '/\\evil.example',
      'https://evil.example/',
      '/%2F%2Fevil',
    ]) {
      op.nextLogin('u-ada');
      const end = await followLogin(
        `${gh.url}/sso/${idpId}/login?return_to=${encodeURIComponent(bad)}`,
        gh.url,
      );
      assert.equal(end.status, 303);
      const target = new URL(end.location!);
      assert.equal(target.origin, gh.url, bad);
    }
  });

  it('a callback with a wrong state signs nobody in', async () => {
    const r = await fetch(
      `${gh.url}/sso/${idpId}/callback?code=abc&state=not-a-login-request-id-xxxxxxxx`,
      {
        redirect: 'manual',
      },
    );
    assert.equal(r.status, 400);
    assert.equal(
      r.headers.getSetCookie().some((c) => c.startsWith('gh_session=')),
      false,
    );
    assert.match(await r.text(), /could not be completed/);
  });

  it('a replayed callback (same code and state) is refused the second time', async () => {
    op.nextLogin('u-bob');
    // Walk up to the IdP's redirect back to us, and keep that URL (and our browser cookie).
    const start = await fetch(`${gh.url}/sso/${idpId}/login`, { redirect: 'manual' });
    const bind = browserCookie(start);
    let url = start.headers.get('location')!;
    const cookies = new Map<string, string>();
    let callback: string | undefined;
    for (let i = 0; i < 10 && !callback; i++) {
      const res = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const j = pair!.indexOf('=');
        cookies.set(pair!.slice(0, j), pair!.slice(j + 1));
      }
      const next = new URL(res.headers.get('location')!, url).href;
      if (next.startsWith(`${gh.url}/sso/`)) callback = next;
      else url = next;
    }
    assert.ok(callback);
    const first = await fetch(callback, { redirect: 'manual', headers: { cookie: bind } });
    assert.equal(first.status, 303);
    assert.ok(first.headers.getSetCookie().some((c) => c.startsWith('gh_session=')));
    const again = await fetch(callback, { redirect: 'manual', headers: { cookie: bind } });
    assert.equal(again.status, 400);
    assert.equal(
      again.headers.getSetCookie().some((c) => c.startsWith('gh_session=')),
      false,
    );
  });

  it("another client's code and state, delivered to our callback, sign nobody in", async () => {
    // A login started for the other client; its code and state are delivered to ours.
    op.nextLogin('u-eve');
    const start = await fetch(`${gh.url}/sso/${otherId}/login`, { redirect: 'manual' });
    const bind = browserCookie(start);
    let url = start.headers.get('location')!;
    const cookies = new Map<string, string>();
    let callback: URL | undefined;
    for (let i = 0; i < 10 && !callback; i++) {
      const res = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const j = pair!.indexOf('=');
        cookies.set(pair!.slice(0, j), pair!.slice(j + 1));
      }
      const next = new URL(res.headers.get('location')!, url);
      if (next.href.startsWith(`${gh.url}/sso/`)) callback = next;
      else url = next.href;
    }
    assert.ok(callback);
    // Our provider's callback with the other client's code and state: the state is not ours.
    // Sent by the browser that started it: what refuses is the state's provider.
    const swapped = `${gh.url}/sso/${idpId}/callback${callback.search}`;
    const r = await fetch(swapped, { redirect: 'manual', headers: { cookie: bind } });
    assert.equal(r.status, 400);
    assert.equal(
      r.headers.getSetCookie().some((c) => c.startsWith('gh_session=')),
      false,
    );
    assert.equal(await gh.app.core.people.findByUsername('eve'), undefined);
  });

  for (const [name, cookie] of [
    ['no sign-in cookie', undefined],
    ['another sign-in cookie', `gh_sso_browser=${'B'.repeat(43)}`],
  ] as const)
    it(`login CSRF: a callback brought by another browser (${name}) is refused with a clear page; the right browser still finishes`, async () => {
      op.nextLogin('u-ada');
      const { callback, bind } = await callbackUrl(idpId);
      const r = await fetch(callback, {
        redirect: 'manual',
        ...(cookie ? { headers: { cookie } } : {}),
      });
      assert.equal(r.status, 400);
      assert.equal(sessionCookie(r.headers.getSetCookie()), undefined);
      const page = await r.text();
      assert.match(page, /This sign-in started in another browser/);
      assert.match(page, /Start again from the sign-in page in this browser/);
      const audit = await gh.app.store.db
        .selectFrom('audit_events')
        .select('changes')
        .where('action', '=', 'sso.login')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      assert.match(audit.changes ?? '', /not the browser that started|not the one that started/);
      assert.match(audit.changes ?? '', /sso_login_other_browser/);
      // Nothing was used up: the browser that started the login finishes it.
      const own = await fetch(callback, { redirect: 'manual', headers: { cookie: bind } });
      assert.equal(own.status, 303);
      assert.ok(sessionCookie(own.headers.getSetCookie()));
    });

  it('behind HTTPS the browser binding cookie is SameSite=None; Secure (it must survive the cross-site return)', async () => {
    const secure = await startTestServer({
      GATEHOUSE_SECRET_KEY: 'b'.repeat(64),
      GATEHOUSE_COOKIE_SECURE: 'true',
    });
    try {
      const r = await secure.request('POST', '/api/people/v2/identity-providers', {
        body: { type: 'oidc', name: 'OP', issuer: op.issuer, client_id: 'gatehouse' },
      });
      assert.equal(r.status, 201, r.text);
      const start = await fetch(`${secure.url}/sso/${r.body.id}/login`, { redirect: 'manual' });
      assert.equal(start.status, 302);
      assert.match(
        browserCookieHeader(start),
        /^gh_sso_browser=[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/sso\/; HttpOnly; Secure; SameSite=None$/,
      );
    } finally {
      await secure.close();
    }
  });

  it('an email the OpenID Provider did not verify matches no account; a verified one does', async () => {
    // A local account, and two IdP people with its email under other usernames.
    const carol = await gh.app.core.people.create(
      { personId: null, label: 't', gate: 'system' },
      { username: 'carol', firstname: 'Carol', surname: 'Local', email: 'carol@corp.example' },
    );
    for (const [sub, verified] of [
      ['u-mallory', false],
      ['u-carol2', true],
    ] as const)
      op.addAccount({
        sub,
        claims: {
          preferred_username: sub.slice(2),
          email: 'carol@corp.example',
          email_verified: verified,
          given_name: 'Given',
          family_name: 'Family',
        },
      });
    op.nextLogin('u-mallory');
    const bad = await followLogin(`${gh.url}/sso/${idpId}/login`, gh.url);
    // Not signed in as carol: matching skipped the email, and provisioning then meets
    // carol's (unique) email, so nobody is signed in at all.
    assert.equal(bad.status, 403, bad.text);
    assert.equal(sessionCookie(bad.setCookie), undefined);
    const refused = await gh.app.store.db
      .selectFrom('audit_events')
      .select('changes')
      .where('action', '=', 'sso.login')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const changes = JSON.parse(refused.changes ?? '{}') as Record<string, [unknown, unknown]>;
    assert.equal(changes.outcome?.[1], 'refused');
    assert.deepEqual(changes.unverified?.[1], ['email']);
    assert.equal(await gh.app.core.people.findByUsername('mallory'), undefined);

    op.nextLogin('u-carol2');
    const good = await followLogin(`${gh.url}/sso/${idpId}/login`, gh.url);
    assert.equal(good.status, 303, good.text);
    const me = await gh.request('GET', '/api/session', {
      key: null,
      headers: { cookie: sessionCookie(good.setCookie)! },
    });
    assert.equal(me.body.user.id, carol.id);
  });

  it('a blocked account sees a clear page, no session, and the refusal is audited', async () => {
    const bob = await gh.app.core.people.findByUsername('bob');
    assert.ok(bob);
    await gh.app.core.people.block({ personId: null, label: 't', gate: 'system' }, bob.id, null);
    op.nextLogin('u-bob');
    const end = await followLogin(`${gh.url}/sso/${idpId}/login`, gh.url);
    assert.equal(end.status, 403);
    assert.match(end.text, /Your account is blocked; contact your People administrators/);
    assert.equal(sessionCookie(end.setCookie), undefined);
    assert.doesNotMatch(end.text, /\.ts:\d+|Error:/, 'no stack trace');
    const audit = await gh.request('GET', '/api/people/v2/audit?action=sso.login');
    assert.equal(audit.status, 200);
    const explained = await gh.request(
      'POST',
      `/api/people/v2/identity-providers/${idpId}/explain`,
      {
        body: { username: 'bob' },
      },
    );
    assert.equal(explained.status, 200);
    assert.equal(explained.body.outcome, 'refused');
    assert.match(explained.body.reason, /blocked/);
  });

  it('unlinking an identity is audited and the next login links again by username', async () => {
    const ada = await gh.app.core.people.findByUsername('ada');
    assert.ok(ada);
    const del = await gh.request(
      'DELETE',
      `/api/people/v2/users/${ada.id}/identities/idp:${idpId}/u-ada`,
    );
    assert.equal(del.status, 204, del.text);
    const ids = await gh.request('GET', `/api/people/v2/users/${ada.id}/identities`);
    assert.equal(ids.body.data.length, 0);
    op.nextLogin('u-ada');
    const end = await followLogin(`${gh.url}/sso/${idpId}/login`, gh.url);
    assert.equal(end.status, 303);
    const again = await gh.request('GET', `/api/people/v2/users/${ada.id}/identities`);
    assert.equal(again.body.data.length, 1);
  });

  it('only login-handler administrators and sysadmins manage identity providers', async () => {
    const plain = await gh.makeUser('plain1');
    const lha = await gh.makeUser('lha1', ['login_handler_admin']);
    assert.equal(
      (await gh.request('GET', '/api/people/v2/identity-providers', { key: plain.key })).status,
      403,
    );
    const list = await gh.request('GET', '/api/people/v2/identity-providers', { key: lha.key });
    assert.equal(list.status, 200);
    assert.equal(
      list.body.data.find((p: { id: number }) => p.id === idpId).accounts_made >= 1,
      true,
    );
    const buttons = await gh.request('GET', '/api/sso/providers', { key: null });
    assert.equal(buttons.status, 200);
    assert.ok(
      buttons.body.data.some((b: { login_url: string }) => b.login_url === `/sso/${idpId}/login`),
    );
  });
});
