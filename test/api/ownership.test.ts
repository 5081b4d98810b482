/**
 * Directory ownership through the People API: a synced account's state, password and
 * mapped fields belong to its directory; every other change is refused with a clear error
 * naming the fields, and nothing is half-applied.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SYSTEM_ACTOR, type Actor } from '../../src/core/context.ts';

const API = '/api/people/v2';

describe('People API v2: directory-owned accounts', () => {
  let s: TestServer;
  let dirId: number;
  let ldap: Actor;
  let n = 0;
  const synced = async (dir = dirId, actor?: Actor) => {
    n++;
    const p = await s.app.core.people.create(actor ?? ldap, {
      username: `synced${n}`,
      firstname: 'Syn',
      surname: `Ced${n}`,
      email: `synced${n}@corp.example`,
      directory_id: dir,
    });
    return p.id;
  };
  before(async () => {
    s = await startTestServer();
    const dir = await s.app.core.directories.create(SYSTEM_ACTOR, {
      name: 'Corp LDAP',
      kind: 'ldap',
      owned_fields: ['firstname', 'email'],
    });
    dirId = dir.id;
    ldap = { ...SYSTEM_ACTOR, label: 'directory:Corp LDAP', gate: 'ldap', directoryId: dir.id };
  });
  after(() => s.close());

  it('shows the owned fields to administrators', async () => {
    const id = await synced();
    const r = await s.request('GET', `${API}/users/${id}`);
    assert.equal(r.body.directory_id, dirId);
    assert.equal(r.body.password_authority, 'directory');
    assert.deepEqual([...r.body.owned_fields].sort(), ['email', 'firstname', 'password', 'state']);
    assert.equal(r.body.origin, 'ldap');
  });

  it('PATCH of an owned field is 409 field_owned_by_directory naming the fields; nothing applied', async () => {
    const id = await synced();
    const one = await s.request('PATCH', `${API}/users/${id}`, { body: { firstname: 'New' } });
    assert.equal(one.status, 409, one.text);
    assert.equal(one.body.type, 'field_owned_by_directory');
    assert.match(one.body.error, /firstname/);
    assert.match(one.body.error, /Corp LDAP/);
    assert.deepEqual(
      one.body.fields.map((f: { field: string }) => f.field),
      ['firstname'],
    );
    const mixed = await s.request('PUT', `${API}/users/${id}`, {
      body: { firstname: 'New', email: 'new@corp.example', job_title: 'Chef' },
    });
    assert.equal(mixed.status, 409);
    assert.deepEqual(mixed.body.fields.map((f: { field: string }) => f.field).sort(), [
      'email',
      'firstname',
    ]);
    const after = await s.request('GET', `${API}/users/${id}`);
    assert.equal(after.body.firstname, 'Syn');
    assert.equal(after.body.job_title, '', 'the unowned field of a refused request is not applied');
    assert.equal(after.body.version, 1);
    // sending an owned field unchanged is not a change
    const same = await s.request('PATCH', `${API}/users/${id}`, {
      body: { firstname: 'Syn', job_title: 'Chef' },
    });
    assert.equal(same.status, 200, same.text);
  });

  it('unowned fields, the manager and the photo can be changed', async () => {
    const id = await synced();
    const r = await s.request('PATCH', `${API}/users/${id}`, {
      body: { job_title: 'Engineer', department: 'R&D', surname: 'Changed' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.job_title, 'Engineer');
    assert.equal(r.body.surname, 'Changed');
    const m = await s.request('PUT', `${API}/users/${id}/manager`, {
      body: { manager_id: s.adminId },
    });
    assert.equal(m.status, 200);
  });

  it('password, state and deletion belong to the directory', async () => {
    const id = await synced();
    const pw = await s.request('PUT', `${API}/users/${id}/password`, {
      body: { password: 'a-long-password-1' },
    });
    assert.equal(pw.status, 409, pw.text);
    assert.equal(pw.body.type, 'field_owned_by_directory');
    assert.match(pw.body.error, /password/);
    const del = await s.request('DELETE', `${API}/users/${id}`);
    assert.equal(del.status, 409);
    assert.equal(del.body.type, 'field_owned_by_directory');
    assert.equal((await s.request('GET', `${API}/users/${id}`)).status, 200);
    // the directory blocks (entry gone); an administrator cannot lift that
    await s.app.core.people.block(ldap, id, 'gone from the directory');
    const unblock = await s.request('POST', `${API}/users/${id}/unblock`, { body: {} });
    assert.equal(unblock.status, 409, unblock.text);
    assert.equal(unblock.body.type, 'field_owned_by_directory');
    assert.match(unblock.body.error, /state/);
    const viaPatch = await s.request('PATCH', `${API}/users/${id}`, { body: { state: 'active' } });
    assert.equal(viaPatch.status, 409);
    assert.equal((await s.request('GET', `${API}/users/${id}`)).body.state, 'blocked');
    // the entry comes back: the directory lifts its own block
    await s.app.core.people.unblock(ldap, id);
    assert.equal((await s.request('GET', `${API}/users/${id}`)).body.state, 'active');
  });

  it("an administrator may block a synced account; the directory's unblock does not lift it", async () => {
    const id = await synced();
    const b = await s.request('POST', `${API}/users/${id}/block`, {
      body: { reason: 'security incident' },
    });
    assert.equal(b.status, 200, b.text);
    assert.equal(b.body.state, 'blocked');
    assert.equal(b.body.blocked_by, 'admin');
    await s.app.core.people.unblock(ldap, id); // a sync run sees the entry active
    const still = await s.request('GET', `${API}/users/${id}`);
    assert.equal(still.body.state, 'blocked');
    assert.equal(still.body.blocked_by, 'admin');
    const lift = await s.request('POST', `${API}/users/${id}/unblock`, { body: {} });
    assert.equal(lift.status, 200, 'the administrator lifts their own block');
    assert.equal(lift.body.state, 'active');
  });

  it('the directory itself may change what it owns', async () => {
    const id = await synced();
    const p = await s.app.core.people.update(ldap, id, { firstname: 'Renamed' });
    assert.equal(p.firstname, 'Renamed');
  });

  it('a mapped manager and extranet area cannot be changed by any other way in', async () => {
    const dir2 = await s.app.core.directories.create(SYSTEM_ACTOR, {
      name: 'HR feed',
      kind: 'scim',
      owned_fields: ['manager_id', 'extranet_id'],
    });
    const scim: Actor = { ...SYSTEM_ACTOR, gate: 'scim', directoryId: dir2.id };
    const id = await synced(dir2.id, scim);
    const boss = await s.request('POST', `${API}/users`, {
      body: { username: 'boss', firstname: 'B', surname: 'Oss', email: 'boss@example.org' },
    });
    const m = await s.request('PUT', `${API}/users/${id}/manager`, {
      body: { manager_id: boss.body.id },
    });
    assert.equal(m.status, 409);
    assert.equal(m.body.type, 'field_owned_by_directory');
    const subs = await s.request('PUT', `${API}/users/${boss.body.id}/subordinates`, {
      body: { ids: [id] },
    });
    assert.equal(subs.status, 409, subs.text);
    const area = await s.request('POST', `${API}/extranets`, { body: { name: 'Area' } });
    const members = await s.request('PUT', `${API}/extranets/${area.body.id}/users`, {
      body: { ids: [boss.body.id, id] },
    });
    assert.equal(members.status, 409, members.text);
    assert.equal(members.body.type, 'field_owned_by_directory');
    const person = await s.request('GET', `${API}/users/${id}`);
    assert.equal(person.body.manager_id, null);
    assert.equal(person.body.extranet_id, null);
    assert.equal(
      (await s.request('GET', `${API}/users/${boss.body.id}`)).body.extranet_id,
      null,
      'all or nothing',
    );
  });

  it('a synced group cannot be renamed, deleted or have its members set through the API', async () => {
    const g = await s.app.core.groups.create(ldap, { name: 'Synced group' }, dirId);
    for (const [method, path, body] of [
      ['PATCH', `/groups/${g.id}`, { name: 'x' }],
      ['PUT', `/groups/${g.id}/users`, { ids: [] }],
      ['DELETE', `/groups/${g.id}`, undefined],
    ] as const) {
      const r = await s.request(method, `${API}${path}`, { body });
      assert.equal(r.status, 409, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.type, 'field_owned_by_directory');
    }
    assert.equal((await s.request('GET', `${API}/groups/${g.id}`)).body.directory_id, dirId);
  });
});
