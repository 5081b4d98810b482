/**
 * Console sign-in at /api/session: the cookie, CSRF, lockout, blocked accounts, forced
 * password changes, sessions ended by a block, and the sign-in rate limit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';

const API = '/api/people/v2';
const USER_PASSWORD = 'user-password-1'; // what makeUser sets

interface Signed {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  setCookie: string;
  cookie: string;
  csrf: string;
}

async function signIn(s: TestServer, username: string, password: string): Promise<Signed> {
  const r = await s.request('POST', '/api/session', { key: null, body: { username, password } });
  const setCookie = r.headers.getSetCookie().find((c) => c.startsWith('gh_session=')) ?? '';
  return {
    status: r.status,
    body: r.body,
    setCookie,
    cookie: setCookie.split(';')[0] ?? '',
    csrf: r.body?.csrf_token ?? '',
  };
}

/** A request made with the session cookie (and the CSRF token unless told otherwise). */
function asSession(
  s: TestServer,
  who: Signed,
  method: string,
  path: string,
  body?: unknown,
  csrf: string | null = who.csrf,
) {
  const headers: Record<string, string> = { cookie: who.cookie };
  if (csrf !== null) headers['x-csrf-token'] = csrf;
  return s.request(method, path, { key: null, body, headers });
}

const sansId = (b: Record<string, unknown>) => ({ code: b.code, error: b.error, type: b.type });

describe('Console sessions: /api/session', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('signs in with an HttpOnly SameSite=Strict cookie and a CSRF token; GET reads it; DELETE ends it', async () => {
    const a = await signIn(s, 'admin', ADMIN_PASSWORD);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.match(a.setCookie, /^gh_session=ghs_/);
    assert.match(a.setCookie, /HttpOnly/i);
    assert.match(a.setCookie, /SameSite=Strict/i);
    assert.match(a.setCookie, /Path=\//);
    assert.equal(a.body.user.username, 'admin');
    assert.deepEqual([...a.body.grants].sort(), ['people_admin', 'sysadmin']);
    assert.ok(a.csrf.length >= 20);
    assert.equal(a.body.must_change_password, false);
    assert.ok(
      !JSON.stringify(a.body).includes(a.cookie.split('=')[1]!),
      'token only in the cookie',
    );
    const g = await asSession(s, a, 'GET', '/api/session', undefined, null);
    assert.equal(g.status, 200);
    assert.equal(g.body.csrf_token, a.csrf);
    assert.equal(g.body.user.id, s.adminId);
    const me = await asSession(s, a, 'GET', `${API}/user`, undefined, null);
    assert.equal(me.status, 200, 'the session works on the People API too');
    const out = await asSession(s, a, 'DELETE', '/api/session');
    assert.equal(out.status, 204);
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith('gh_session=')) ?? '';
    assert.match(cleared, /gh_session=;|Expires=Thu, 01 Jan 1970|Max-Age=0/i);
    const after = await asSession(s, a, 'GET', '/api/session', undefined, null);
    assert.equal(after.status, 401);
    assert.equal(after.body.type, 'unauthenticated');
    const folded = await signIn(s, ' ADMIN ', ADMIN_PASSWORD);
    assert.equal(folded.status, 200, 'usernames compare as everywhere: case, width, spaces');
    assert.equal(folded.body.user.id, s.adminId);
    const none = await s.request('GET', '/api/session', { key: null });
    assert.equal(none.status, 401);
    const forged = await s.request('GET', '/api/session', {
      key: null,
      headers: { cookie: 'gh_session=ghs_forged' },
    });
    assert.equal(forged.status, 401);
  });

  it('an unknown user and a wrong password get the identical answer', async () => {
    await s.makeUser('known');
    const unknown = await signIn(s, 'nobody-here', 'whatever-password');
    const wrong = await signIn(s, 'known', 'whatever-password');
    assert.equal(unknown.status, 401);
    assert.equal(wrong.status, 401);
    assert.deepEqual(sansId(unknown.body), sansId(wrong.body));
    assert.equal(wrong.body.type, 'invalid_credentials');
    assert.equal(unknown.setCookie, '');
    const bad = await s.request('POST', '/api/session', {
      key: null,
      body: { username: 'known' },
    });
    assert.equal(bad.status, 400);
    const extra = await s.request('POST', '/api/session', {
      key: null,
      body: { username: 'known', password: USER_PASSWORD, remember: true },
    });
    assert.equal(extra.status, 400);
    // failed sign-ins are audited, without the password tried
    const audit = await s.request('GET', `${API}/audit?action=session.sign_in&outcome=failure`);
    assert.ok(audit.body.pagination.total >= 2);
    assert.equal(audit.body.data[0].gate, 'console');
    assert.ok(!audit.text.includes('whatever-password'));
  });

  it('freezes an account after attemptsAllowed failures; unfreeze lets it in again', async () => {
    const policy = await s.request('PATCH', `${API}/settings/password-policy`, {
      body: { attemptsAllowed: 3, lockoutMinutes: 30 },
    });
    assert.equal(policy.status, 200);
    const u = await s.makeUser('guesser');
    for (let i = 0; i < 3; i++) {
      const r = await signIn(s, 'guesser', `wrong-${i}-password`);
      assert.equal(r.status, 401);
    }
    const person = await s.request('GET', `${API}/users/${u.id}`);
    assert.equal(person.body.state, 'frozen');
    assert.ok(Date.parse(person.body.frozen_until) > Date.now());
    const right = await signIn(s, 'guesser', USER_PASSWORD);
    assert.equal(right.status, 401, 'refused even with the right password');
    const unknown = await signIn(s, 'nobody-here', USER_PASSWORD);
    assert.deepEqual(sansId(right.body), sansId(unknown.body), 'and it does not say why');
    // The lockout is the sign-in's: the person's API keys go on.
    assert.equal((await s.request('GET', `${API}/user`, { key: u.key })).status, 200);
    const thaw = await s.request('POST', `${API}/users/${u.id}/unfreeze`, { body: {} });
    assert.equal(thaw.body.state, 'active');
    const ok = await signIn(s, 'guesser', USER_PASSWORD);
    assert.equal(ok.status, 200);
    // a success resets the count: two more failures do not freeze
    await signIn(s, 'guesser', 'wrong-again-1');
    await signIn(s, 'guesser', 'wrong-again-2');
    assert.equal((await s.request('GET', `${API}/users/${u.id}`)).body.state, 'active');
    await s.request('PATCH', `${API}/settings/password-policy`, { body: { attemptsAllowed: 5 } });
  });

  it('a locked-out account stays in the directory: others see it as active, administrators see the lockout', async () => {
    // Regression: lists for non-administrators once left out frozen accounts, so anyone could
    // hide a colleague from the staff list by failing their sign-in a few times.
    await s.request('PATCH', `${API}/settings/password-policy`, { body: { attemptsAllowed: 2 } });
    const victim = await s.makeUser('lockedout');
    const reader = await s.makeUser('colleague');
    for (const attempt of ['wrong-1-password', 'wrong-2-password'])
      assert.equal((await signIn(s, 'lockedout', attempt)).status, 401);
    const asAdmin = await s.request('GET', `${API}/users/${victim.id}`);
    assert.equal(asAdmin.body.state, 'frozen');
    const k = { key: reader.key };
    const one = await s.request('GET', `${API}/users/${victim.id}`, k);
    assert.equal(one.status, 200);
    assert.equal(one.body.state, 'active', 'the lockout is not shown to others');
    assert.ok(!('frozen_until' in one.body));
    const search = await s.request('GET', `${API}/users?q=lockedout`, k);
    assert.deepEqual(
      search.body.data.map((u: { id: number; state: string }) => [u.id, u.state]),
      [[victim.id, 'active']],
    );
    assert.equal(search.body.pagination.total, 1);
    const page = await s.request('GET', `${API}/users?limit=200`, k);
    assert.ok(page.body.data.some((u: { id: number }) => u.id === victim.id));
    // blocking, unlike a lockout, does hide the account
    await s.request('POST', `${API}/users/${victim.id}/block`, { body: {} });
    assert.equal((await s.request('GET', `${API}/users/${victim.id}`, k)).status, 404);
    await s.request('PATCH', `${API}/settings/password-policy`, { body: { attemptsAllowed: 5 } });
  });

  it('a blocked account with the right password is 403 account_blocked; with a wrong one, 401', async () => {
    const u = await s.makeUser('blockme');
    await s.request('POST', `${API}/users/${u.id}/block`, { body: {} });
    const right = await signIn(s, 'blockme', USER_PASSWORD);
    assert.equal(right.status, 403);
    assert.equal(right.body.type, 'account_blocked');
    assert.equal(right.setCookie, '');
    const wrong = await signIn(s, 'blockme', 'not-the-password');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.type, 'invalid_credentials');
  });

  it('cookie-authenticated writes need X-CSRF-Token; with it they work and are the console gate', async () => {
    const a = await signIn(s, 'admin', ADMIN_PASSWORD);
    const target = await s.makeUser('csrftarget');
    const path = `${API}/users/${target.id}`;
    const missing = await asSession(s, a, 'PATCH', path, { job_title: 'x' }, null);
    assert.equal(missing.status, 403);
    assert.equal(missing.body.type, 'csrf_failed');
    const wrong = await asSession(s, a, 'PATCH', path, { job_title: 'x' }, 'not-the-token');
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.type, 'csrf_failed');
    const other = await signIn(s, 'admin', ADMIN_PASSWORD);
    const crossed = await asSession(s, a, 'PATCH', path, { job_title: 'x' }, other.csrf);
    assert.equal(crossed.status, 403, "another session's token does not do");
    assert.equal((await s.request('GET', path)).body.job_title, '');
    const ok = await asSession(s, a, 'PATCH', path, { job_title: 'With token' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.job_title, 'With token');
    const signOutNoToken = await asSession(s, a, 'DELETE', '/api/session', undefined, null);
    assert.equal(signOutNoToken.status, 403, 'signing out is a write too');
    const ev = await s.request(
      'GET',
      `${API}/audit?target_type=person&target_id=${target.id}&action=person.update`,
    );
    assert.equal(ev.body.data[0].gate, 'console');
    assert.equal(ev.body.data[0].actor_id, s.adminId);
  });

  it('must_change_password: the session may only change its own password, then works', async () => {
    const u = await s.makeUser('mustchange', ['people_admin']);
    const set = await s.request('PUT', `${API}/users/${u.id}/password`, {
      body: { password: 'temporary-password-1', must_change_password: true },
    });
    assert.equal(set.status, 204);
    const a = await signIn(s, 'mustchange', 'temporary-password-1');
    assert.equal(a.status, 200);
    assert.equal(a.body.must_change_password, true);
    for (const [method, path, body] of [
      ['GET', `${API}/users`, undefined],
      ['GET', `${API}/user`, undefined],
      ['PATCH', `${API}/users/${s.adminId}`, { job_title: 'x' }],
      ['POST', `${API}/api-keys`, { name: 'sneaky' }],
    ] as const) {
      const r = await asSession(s, a, method, path, body);
      assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.type, 'password_change_required');
    }
    const g = await asSession(s, a, 'GET', '/api/session', undefined, null);
    assert.equal(g.body.must_change_password, true);
    const change = await asSession(s, a, 'PUT', `${API}/user/password`, {
      current_password: 'temporary-password-1',
      password: 'my-own-password-2',
    });
    assert.equal(change.status, 204, change.text);
    const now = await asSession(s, a, 'GET', `${API}/users`);
    assert.equal(now.status, 200, 'the same session carries on');
    assert.equal((await asSession(s, a, 'GET', '/api/session')).body.must_change_password, false);
    // API keys are not held back by a pending change (they are not a sign-in)
    assert.equal((await s.request('GET', `${API}/user`, { key: u.key })).status, 200);
  });

  it('a lockout stops new sign-ins but not the sessions already open nor API keys (a block ends both)', async () => {
    // Regression: sessions of frozen accounts were refused, so anyone could throw a colleague
    // out of the console by failing their sign-in a few times.
    await s.request('PATCH', `${API}/settings/password-policy`, { body: { attemptsAllowed: 2 } });
    const u = await s.makeUser('stillin');
    const open = await signIn(s, 'stillin', USER_PASSWORD);
    assert.equal(open.status, 200);
    for (const attempt of ['wrong-a-password', 'wrong-b-password'])
      assert.equal((await signIn(s, 'stillin', attempt)).status, 401);
    assert.equal((await s.request('GET', `${API}/users/${u.id}`)).body.state, 'frozen');
    assert.equal((await signIn(s, 'stillin', USER_PASSWORD)).status, 401, 'no new sign-in');
    // Regression: keys stopped too, so failed sign-ins cut a colleague's automation.
    const byKey = await s.request('GET', `${API}/user`, { key: u.key });
    assert.equal(byKey.status, 200, 'keys go on');
    assert.equal(byKey.body.id, u.id);
    const me = await asSession(s, open, 'GET', `${API}/user`);
    assert.equal(me.status, 200, 'the open session goes on');
    assert.equal(me.body.id, u.id);
    await s.request('POST', `${API}/users/${u.id}/block`, { body: {} });
    assert.equal((await asSession(s, open, 'GET', `${API}/user`)).status, 401);
    assert.equal((await s.request('GET', `${API}/user`, { key: u.key })).status, 401, 'keys stop');
    await s.request('PATCH', `${API}/settings/password-policy`, { body: { attemptsAllowed: 5 } });
  });

  it('blocking a person ends their sessions at once; an admin password reset ends them too', async () => {
    const u = await s.makeUser('sessionend');
    const a = await signIn(s, 'sessionend', USER_PASSWORD);
    const b = await signIn(s, 'sessionend', USER_PASSWORD);
    assert.equal((await asSession(s, a, 'GET', '/api/session')).status, 200);
    await s.request('POST', `${API}/users/${u.id}/block`, { body: {} });
    assert.equal((await asSession(s, a, 'GET', '/api/session')).status, 401);
    assert.equal((await asSession(s, b, 'GET', `${API}/user`)).status, 401);
    await s.request('POST', `${API}/users/${u.id}/unblock`, { body: {} });
    assert.equal(
      (await asSession(s, a, 'GET', '/api/session')).status,
      401,
      'unblocking does not bring old sessions back',
    );
    const c = await signIn(s, 'sessionend', USER_PASSWORD);
    assert.equal(c.status, 200);
    await s.request('PUT', `${API}/users/${u.id}/password`, {
      body: { password: 'reset-by-admin-1' },
    });
    assert.equal((await asSession(s, c, 'GET', '/api/session')).status, 401);
  });

  it('changing your own password ends your other sessions, not this one', async () => {
    await s.makeUser('twosessions');
    const a = await signIn(s, 'twosessions', USER_PASSWORD);
    const b = await signIn(s, 'twosessions', USER_PASSWORD);
    const r = await asSession(s, a, 'PUT', `${API}/user/password`, {
      current_password: USER_PASSWORD,
      password: 'changed-password-3',
    });
    assert.equal(r.status, 204);
    assert.equal((await asSession(s, a, 'GET', '/api/session')).status, 200);
    assert.equal((await asSession(s, b, 'GET', '/api/session')).status, 401);
  });
});

describe('Console sessions: sign-in rate limit', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ GATEHOUSE_SIGNIN_RATE_PER_MINUTE: '3' });
  });
  after(() => s.close());

  it('the 4th sign-in attempt in a minute is 429 rate_limited, even with the right password', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await signIn(s, 'admin', `wrong-${i}-password`);
      assert.equal(r.status, 401);
    }
    const fourth = await signIn(s, 'admin', ADMIN_PASSWORD);
    assert.equal(fourth.status, 429, JSON.stringify(fourth.body));
    assert.equal(fourth.body.type, 'rate_limited');
    assert.equal(fourth.body.code, 429);
    assert.equal(fourth.setCookie, '');
    // other endpoints are not limited by it
    assert.equal((await s.request('GET', `${API}/user`)).status, 200);
  });
});
