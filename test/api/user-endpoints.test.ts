/**
 * People API v2, each /user and /users endpoint: what it does, what it refuses, and that
 * a refused request changes nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const API = '/api/people/v2';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

function photoForm(data: Buffer, field = 'photo', type = 'image/png'): FormData {
  const form = new FormData();
  form.set(field, new Blob([data], { type }), 'me.png');
  return form;
}

describe('People API v2: /user and /users/{id}', () => {
  let s: TestServer;
  let n = 0;
  /** A new person through the API (no password unless given). */
  const create = async (extra: Record<string, unknown> = {}) => {
    n++;
    const r = await s.request('POST', `${API}/users`, {
      body: {
        username: `u${n}`,
        firstname: `First${n}`,
        surname: `Sur${n}`,
        email: `u${n}@example.org`,
        ...extra,
      },
    });
    assert.equal(r.status, 201, r.text);
    return r.body as { id: number; username: string; version: number };
  };
  before(async () => {
    s = await startTestServer({ GATEHOUSE_PHOTO_LIMIT_BYTES: '4096' });
  });
  after(() => s.close());

  it('GET /user is the caller, with an ETag', async () => {
    const r = await s.request('GET', `${API}/user`);
    assert.equal(r.status, 200);
    assert.equal(r.body.id, s.adminId);
    assert.equal(r.body.username, 'admin');
    assert.equal(r.headers.get('etag'), `"${s.adminId}.${r.body.version}"`);
    assert.equal(r.body.password_hash, undefined);
    assert.ok(!r.text.includes('$argon2'));
  });

  it('PUT /user/password changes your own password after checking the current one', async () => {
    const me = await s.makeUser('selfchanger');
    const wrong = await s.request('PUT', `${API}/user/password`, {
      key: me.key,
      body: { current_password: 'not-it-at-all', password: 'a-new-password-2' },
    });
    assert.equal(wrong.status, 400, wrong.text);
    assert.equal(wrong.body.type, 'validation_failed');
    assert.equal(wrong.body.fields[0].field, 'current_password');
    const weak = await s.request('PUT', `${API}/user/password`, {
      key: me.key,
      body: { current_password: 'user-password-1', password: 'short' },
    });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.type, 'password_too_weak');
    const extra = await s.request('PUT', `${API}/user/password`, {
      key: me.key,
      body: { current_password: 'user-password-1', password: 'a-new-password-2', x: 1 },
    });
    assert.equal(extra.status, 400);
    const ok = await s.request('PUT', `${API}/user/password`, {
      key: me.key,
      body: { current_password: 'user-password-1', password: 'a-new-password-2' },
    });
    assert.equal(ok.status, 204, ok.text);
    await s.app.signIn.checkPassword('selfchanger', 'a-new-password-2');
    await assert.rejects(s.app.signIn.checkPassword('selfchanger', 'user-password-1'));
  });

  it('GET /users/{id}: administrators see account internals, never the hash', async () => {
    const p = await create({ password: 'a-long-password-1', job_title: 'Chef' });
    const r = await s.request('GET', `${API}/users/${p.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.job_title, 'Chef');
    assert.equal(r.body.origin, 'api');
    assert.equal(r.body.password_authority, 'local');
    assert.deepEqual(r.body.owned_fields, []);
    assert.equal(r.body.manager_url, null);
    assert.ok(!r.text.includes('$argon2'), 'no hash in the answer');
    assert.ok(!('password' in r.body));
  });

  it('PUT and PATCH change only the fields given; unknown properties are refused', async () => {
    const p = await create({ job_title: 'A', department: 'D1' });
    const put = await s.request('PUT', `${API}/users/${p.id}`, { body: { job_title: 'B' } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.job_title, 'B');
    assert.equal(put.body.department, 'D1');
    const patch = await s.request('PATCH', `${API}/users/${p.id}`, {
      body: { department: 'D2', username: 'renamed' },
    });
    assert.equal(patch.status, 200);
    assert.equal(patch.body.username, 'renamed');
    assert.equal(patch.body.job_title, 'B');
    const unknown = await s.request('PATCH', `${API}/users/${p.id}`, {
      body: { department: 'D3', password: 'x-long-password' },
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual(
      unknown.body.fields.map((f: { field: string }) => f.field),
      ['password'],
    );
    const same = await s.request('PATCH', `${API}/users/${p.id}`, { body: { department: 'D2' } });
    assert.equal(same.body.version, patch.body.version, 'no change, no new version');
    const taken = await s.request('PATCH', `${API}/users/${p.id}`, {
      body: { username: 'ADMIN' },
    });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.type, 'username_taken');
    const badManager = await s.request('PATCH', `${API}/users/${p.id}`, {
      body: { manager_id: 999999 },
    });
    assert.equal(badManager.status, 400);
    assert.equal(badManager.body.fields[0].field, 'manager_id');
    const badExtranet = await s.request('PATCH', `${API}/users/${p.id}`, {
      body: { extranet_id: 999999 },
    });
    assert.equal(badExtranet.status, 400);
    assert.equal(badExtranet.body.fields[0].field, 'extranet_id');
    const g = await s.request('GET', `${API}/users/${p.id}`);
    assert.equal(g.body.department, 'D2');
    assert.equal(g.body.manager_id, null);
  });

  it('DELETE /users/{id} removes a local account; it is 404 afterwards; you cannot delete yourself', async () => {
    const p = await create();
    const del = await s.request('DELETE', `${API}/users/${p.id}`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.equal((await s.request('GET', `${API}/users/${p.id}`)).status, 404);
    assert.equal((await s.request('DELETE', `${API}/users/${p.id}`)).status, 404);
    const self = await s.request('DELETE', `${API}/users/${s.adminId}`);
    assert.equal(self.status, 409);
    assert.equal(self.body.type, 'conflict');
  });

  it('PUT /users/{id}/password sets a password, with must_change_password; weak ones are refused', async () => {
    const p = await create();
    const weak = await s.request('PUT', `${API}/users/${p.id}/password`, {
      body: { password: 'short' },
    });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.type, 'password_too_weak');
    assert.equal(weak.body.fields[0].field, 'password');
    await s.request('PATCH', `${API}/users/${p.id}`, { body: { username: 'longusername' } });
    const sameAsName = await s.request('PUT', `${API}/users/${p.id}/password`, {
      body: { password: 'LongUserName' },
    });
    assert.equal(sameAsName.status, 400, 'a password made of the username is refused');
    const ok = await s.request('PUT', `${API}/users/${p.id}/password`, {
      body: { password: 'a-long-password-9', must_change_password: true },
    });
    assert.equal(ok.status, 204, ok.text);
    const g = await s.request('GET', `${API}/users/${p.id}`);
    assert.equal(g.body.must_change_password, true);
    await s.app.signIn.checkPassword('longusername', 'a-long-password-9');
  });

  it('PUT /users/{id}/manager sets and clears a manager, with manager_url; loops are 409 manager_cycle', async () => {
    const a = await create();
    const b = await create();
    const c = await create();
    const ab = await s.request('PUT', `${API}/users/${b.id}/manager`, {
      body: { manager_id: a.id },
    });
    assert.equal(ab.status, 200);
    assert.equal(ab.body.manager_id, a.id);
    assert.equal(ab.body.manager_url, `${s.url}${API}/users/${a.id}`);
    await s.request('PUT', `${API}/users/${c.id}/manager`, { body: { manager_id: b.id } });
    for (const [who, manager] of [
      [a.id, c.id],
      [a.id, b.id],
      [a.id, a.id],
    ]) {
      const r = await s.request('PUT', `${API}/users/${who}/manager`, {
        body: { manager_id: manager },
      });
      assert.equal(r.status, 409, r.text);
      assert.equal(r.body.type, 'manager_cycle');
    }
    // the same loop through PATCH
    const viaPatch = await s.request('PATCH', `${API}/users/${a.id}`, {
      body: { manager_id: c.id },
    });
    assert.equal(viaPatch.body.type, 'manager_cycle');
    assert.equal((await s.request('GET', `${API}/users/${a.id}`)).body.manager_id, null);
    const missing = await s.request('PUT', `${API}/users/${a.id}/manager`, { body: {} });
    assert.equal(missing.status, 400);
    const clear = await s.request('PUT', `${API}/users/${c.id}/manager`, {
      body: { manager_id: null },
    });
    assert.equal(clear.body.manager_id, null);
    assert.equal(clear.body.manager_url, null);
  });

  it('GET|PUT /users/{id}/subordinates: sets exactly the direct reports', async () => {
    const boss = await create();
    const r1 = await create();
    const r2 = await create();
    const r3 = await create();
    const put = await s.request('PUT', `${API}/users/${boss.id}/subordinates`, {
      body: { ids: [r1.id, r2.id, r1.id] },
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.body.ids, [r1.id, r2.id]);
    const get = await s.request('GET', `${API}/users/${boss.id}/subordinates`);
    assert.deepEqual(get.body.data.map((u: { id: number }) => u.id).sort(), [r1.id, r2.id]);
    const swap = await s.request('PUT', `${API}/users/${boss.id}/subordinates`, {
      body: { ids: [r3.id] },
    });
    assert.deepEqual(swap.body.ids, [r3.id]);
    assert.equal((await s.request('GET', `${API}/users/${r1.id}`)).body.manager_id, null);
    const none = await s.request('PUT', `${API}/users/${boss.id}/subordinates`, {
      body: { ids: [] },
    });
    assert.deepEqual(none.body.ids, []);
    const bad = await s.request('PUT', `${API}/users/${boss.id}/subordinates`, {
      body: { ids: ['x'] },
    });
    assert.equal(bad.status, 400);
  });

  it('PUT /users/{id}/subordinates is all-or-nothing: an unknown id or a loop changes nothing', async () => {
    const boss = await create();
    const keep = await create();
    const newcomer = await create();
    await s.request('PUT', `${API}/users/${boss.id}/subordinates`, { body: { ids: [keep.id] } });
    const unknown = await s.request('PUT', `${API}/users/${boss.id}/subordinates`, {
      body: { ids: [newcomer.id, 999999] },
    });
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal(unknown.body.type, 'validation_failed');
    const loop = await s.request('PUT', `${API}/users/${keep.id}/subordinates`, {
      body: { ids: [newcomer.id, boss.id] },
    });
    assert.equal(loop.status, 409, loop.text);
    assert.equal(loop.body.type, 'manager_cycle');
    const subs = await s.request('GET', `${API}/users/${boss.id}/subordinates`);
    assert.deepEqual(
      subs.body.data.map((u: { id: number }) => u.id),
      [keep.id],
    );
    assert.equal((await s.request('GET', `${API}/users/${newcomer.id}`)).body.manager_id, null);
  });

  it('GET /users/{id}/groups and /roles list what a person belongs to', async () => {
    const p = await create();
    const g = await s.request('POST', `${API}/groups`, { body: { name: 'Chess club' } });
    const r = await s.request('POST', `${API}/roles`, { body: { name: 'Editor' } });
    await s.request('PUT', `${API}/groups/${g.body.id}/users`, { body: { ids: [p.id] } });
    await s.request('PUT', `${API}/roles/${r.body.id}/users`, { body: { ids: [p.id] } });
    const groups = await s.request('GET', `${API}/users/${p.id}/groups`);
    assert.equal(groups.status, 200);
    assert.deepEqual(
      groups.body.data.map((x: { name: string }) => x.name),
      ['Chess club'],
    );
    const roles = await s.request('GET', `${API}/users/${p.id}/roles`);
    assert.deepEqual(
      roles.body.data.map((x: { name: string }) => x.name),
      ['Editor'],
    );
    const other = await create();
    assert.deepEqual((await s.request('GET', `${API}/users/${other.id}/groups`)).body.data, []);
  });

  it('POST /users/{id}/photo takes a sniffed image in field "photo" and GET serves it back', async () => {
    const p = await create();
    const up = await s.request('POST', `${API}/users/${p.id}/photo`, { raw: photoForm(PNG) });
    assert.equal(up.status, 200, up.text);
    assert.equal(up.body.photo_url, `${s.url}${API}/users/${p.id}/photo`);
    const res = await fetch(up.body.photo_url, {
      headers: { authorization: `Bearer ${s.adminKey}` },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
    // the declared type does not matter; the bytes do
    const lying = await s.request('POST', `${API}/users/${p.id}/photo`, {
      raw: photoForm(Buffer.from('<svg onload="alert(1)"></svg>'), 'photo', 'image/png'),
    });
    assert.equal(lying.status, 400, lying.text);
    assert.equal(lying.body.type, 'validation_failed');
    assert.equal(lying.body.fields[0].field, 'photo');
    const wrongField = await s.request('POST', `${API}/users/${p.id}/photo`, {
      raw: photoForm(PNG, 'picture'),
    });
    assert.equal(wrongField.status, 400);
    assert.equal(wrongField.body.fields[0].field, 'photo');
    const tooBig = await s.request('POST', `${API}/users/${p.id}/photo`, {
      raw: photoForm(Buffer.concat([PNG, Buffer.alloc(8000)])),
    });
    assert.equal(tooBig.status, 413, tooBig.text);
    assert.equal(tooBig.body.type, 'payload_too_large');
    const json = await s.request('POST', `${API}/users/${p.id}/photo`, { body: {} });
    assert.equal(json.status, 415);
    // the photo kept is still the first one
    const again = await s.request('GET', `${API}/users/${p.id}/photo`);
    assert.equal(again.headers.get('content-type'), 'image/png');
    const none = await create();
    assert.equal((await s.request('GET', `${API}/users/${none.id}/photo`)).status, 404);
    const unknown = await s.request('POST', `${API}/users/999999/photo`, { raw: photoForm(PNG) });
    assert.equal(unknown.status, 404);
  });

  it('POST block/unblock/unfreeze change the state, with reason; you cannot block yourself', async () => {
    const p = await create();
    const blocked = await s.request('POST', `${API}/users/${p.id}/block`, {
      body: { reason: 'left the company' },
    });
    assert.equal(blocked.status, 200, blocked.text);
    assert.equal(blocked.body.state, 'blocked');
    assert.equal(blocked.body.blocked_by, 'admin');
    assert.equal(blocked.body.blocked_reason, 'left the company');
    const again = await s.request('POST', `${API}/users/${p.id}/block`);
    assert.equal(again.status, 200, 'blocking twice is harmless');
    assert.equal(again.body.version, blocked.body.version);
    const unblocked = await s.request('POST', `${API}/users/${p.id}/unblock`, { body: {} });
    assert.equal(unblocked.body.state, 'active');
    assert.equal(unblocked.body.blocked_reason, null);
    const badBody = await s.request('POST', `${API}/users/${p.id}/block`, {
      body: { reason: 5 },
    });
    assert.equal(badBody.status, 400);
    const self = await s.request('POST', `${API}/users/${s.adminId}/block`, { body: {} });
    assert.equal(self.status, 409);
    // a frozen account is unfrozen
    await s.app.store.db
      .updateTable('people')
      .set({ state: 'frozen', frozen_until: new Date(Date.now() + 3_600_000).toISOString() })
      .where('id', '=', p.id)
      .execute();
    const frozen = await s.request('GET', `${API}/users/${p.id}`);
    assert.equal(frozen.body.state, 'frozen');
    const thawed = await s.request('POST', `${API}/users/${p.id}/unfreeze`, { body: {} });
    assert.equal(thawed.status, 200);
    assert.equal(thawed.body.state, 'active');
    assert.equal(thawed.body.frozen_until, null);
  });

  it('GET|PUT /users/{id}/grants: people admins read, only a sysadmin changes', async () => {
    const p = await create();
    const r0 = await s.request('GET', `${API}/users/${p.id}/grants`);
    assert.deepEqual(r0.body, { grants: [] });
    const put = await s.request('PUT', `${API}/users/${p.id}/grants`, {
      body: { people_admin: true, login_handler_admin: true },
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual([...put.body.grants].sort(), ['login_handler_admin', 'people_admin']);
    const peopleAdmin = await s.makeUser('padmin', ['people_admin']);
    const read = await s.request('GET', `${API}/users/${p.id}/grants`, { key: peopleAdmin.key });
    assert.equal(read.status, 200);
    const write = await s.request('PUT', `${API}/users/${p.id}/grants`, {
      key: peopleAdmin.key,
      body: { sysadmin: true },
    });
    assert.equal(write.status, 403);
    assert.equal(write.body.type, 'forbidden');
    const selfPromote = await s.request('PUT', `${API}/users/${peopleAdmin.id}/grants`, {
      key: peopleAdmin.key,
      body: { sysadmin: true },
    });
    assert.equal(selfPromote.status, 403);
    const unknownGrant = await s.request('PUT', `${API}/users/${p.id}/grants`, {
      body: { root: true },
    });
    assert.equal(unknownGrant.status, 400);
  });

  it('PUT /users/{id}/grants is all-or-nothing: removing the last sysadmin refuses the whole request', async () => {
    const r = await s.request('PUT', `${API}/users/${s.adminId}/grants`, {
      body: { login_handler_admin: true, sysadmin: false },
    });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.type, 'conflict');
    const after = await s.request('GET', `${API}/users/${s.adminId}/grants`);
    assert.deepEqual([...after.body.grants].sort(), ['people_admin', 'sysadmin']);
  });

  it('a person created with a blocked state or a profile is listed so', async () => {
    const p = await create({ state: 'blocked' });
    const g = await s.request('GET', `${API}/users/${p.id}`);
    assert.equal(g.body.state, 'blocked');
    assert.equal(g.body.blocked_by, 'admin');
    const frozen = await s.request('POST', `${API}/users`, {
      body: { username: 'icy', firstname: 'I', surname: 'C', email: 'icy@x.org', state: 'frozen' },
    });
    assert.equal(frozen.status, 400, 'frozen is set by sign-in failures, not by hand');
    const viaCore = await s.app.core.people.get(p.id);
    assert.equal(viaCore.state, 'blocked');
  });
});
