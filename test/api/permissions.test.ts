/**
 * Who may do what through the People API: no credentials → 401; any active account reads
 * the directory (everyone but blocked accounts); only People administrators write; a blocked
 * owner's API keys stop at once (a frozen one's go on). The sweeps are driven by the OpenAPI
 * document, so a new endpoint without a row here fails the test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';

const API = '/api/people/v2';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

interface Ids {
  person: number;
  blocked: number;
  group: number;
  role: number;
  extranet: number;
  field: number;
  adminKey: number;
  directory: number;
}

type Call = [method: string, path: string, body?: unknown];

/** Every write, with a valid body (so a 403 cannot be a validation answer in disguise). */
function writes(ids: Ids): Call[] {
  const p = ids.person;
  return [
    ['POST', '/users', { username: 'nope', firstname: 'N', surname: 'O', email: 'n@x.org' }],
    ['PUT', `/users/${p}`, { job_title: 'x' }],
    ['PATCH', `/users/${p}`, { job_title: 'x' }],
    ['DELETE', `/users/${p}`],
    ['PUT', `/users/${p}/password`, { password: 'a-long-password-1' }],
    ['PUT', `/users/${p}/manager`, { manager_id: null }],
    ['PUT', `/users/${p}/subordinates`, { ids: [] }],
    ['POST', `/users/${p}/block`, {}],
    ['POST', `/users/${ids.blocked}/unblock`, {}],
    ['POST', `/users/${p}/unfreeze`, {}],
    ['PUT', `/users/${p}/grants`, { people_admin: true }],
    ['POST', `/users/${p}/photo`, 'photo'],
    ['POST', '/groups', { name: 'g-nope' }],
    ['PUT', `/groups/${ids.group}`, { name: 'g2' }],
    ['PATCH', `/groups/${ids.group}`, { name: 'g2' }],
    ['DELETE', `/groups/${ids.group}`],
    ['PUT', `/groups/${ids.group}/users`, { ids: [] }],
    ['PUT', `/groups/${ids.group}/users/${p}`],
    ['DELETE', `/groups/${ids.group}/users/${p}`],
    ['POST', '/roles', { name: 'r-nope' }],
    ['PUT', `/roles/${ids.role}`, { name: 'r2' }],
    ['PATCH', `/roles/${ids.role}`, { name: 'r2' }],
    ['DELETE', `/roles/${ids.role}`],
    ['PUT', `/roles/${ids.role}/users`, { ids: [] }],
    ['PUT', `/roles/${ids.role}/users/${p}`],
    ['DELETE', `/roles/${ids.role}/users/${p}`],
    ['POST', '/extranets', { name: 'e-nope' }],
    ['PUT', `/extranets/${ids.extranet}`, { name: 'e2' }],
    ['PATCH', `/extranets/${ids.extranet}`, { name: 'e2' }],
    ['DELETE', `/extranets/${ids.extranet}`],
    ['PUT', `/extranets/${ids.extranet}/users`, { ids: [] }],
    ['PUT', `/extranets/${ids.extranet}/users/${p}`],
    ['DELETE', `/extranets/${ids.extranet}/users/${p}`],
    ['POST', '/profile-fields', { name: 'nope', label: 'Nope', type: 'string' }],
    ['PATCH', `/profile-fields/${ids.field}`, { label: 'x' }],
    ['DELETE', `/profile-fields/${ids.field}`],
    ['PATCH', '/settings/password-policy', { minLength: 12 }],
    ['POST', '/imports', 'csv'],
    ['POST', '/directories', { type: 'scim', name: 'nope' }],
    ['PATCH', `/directories/${ids.directory}`, { name: 'x' }],
    ['DELETE', `/directories/${ids.directory}`],
    ['POST', `/directories/${ids.directory}/release`, {}],
    ['POST', `/directories/${ids.directory}/test`, {}],
    ['POST', `/directories/${ids.directory}/sync`, { dry_run: true }],
    ['POST', `/directories/${ids.directory}/token`, {}],
    ['DELETE', `/directories/${ids.directory}/token`],
    ['POST', '/identity-providers', { type: 'oidc', name: 'nope' }],
    ['PATCH', '/identity-providers/1', { name: 'x' }],
    ['DELETE', '/identity-providers/1'],
    ['POST', '/identity-providers/1/explain', { username: 'x' }],
    ['DELETE', `/users/${p}/identities/1/1`],
  ];
}

/** Reads every active account may make. */
function directoryReads(ids: Ids): string[] {
  const p = ids.person;
  return [
    '/user',
    '/users',
    `/users/${p}`,
    `/users/${p}/subordinates`,
    `/users/${p}/groups`,
    `/users/${p}/roles`,
    `/users/${p}/photo`,
    '/groups',
    `/groups/${ids.group}`,
    `/groups/${ids.group}/users`,
    '/roles',
    `/roles/${ids.role}`,
    `/roles/${ids.role}/users`,
    '/extranets',
    `/extranets/${ids.extranet}`,
    `/extranets/${ids.extranet}/users`,
    '/profile-fields',
    `/profile-fields/${ids.field}`,
    '/api-keys',
  ];
}

/** Reads for administrators only. */
function adminReads(ids: Ids): string[] {
  return [
    `/users/${ids.person}/grants`,
    '/audit',
    '/audit/export',
    '/settings/password-policy',
    '/imports',
    '/imports/1',
    '/users/export',
    '/exports/users.csv',
    '/overview',
    '/directories',
    `/directories/${ids.directory}`,
    `/directories/${ids.directory}/runs`,
    `/directories/${ids.directory}/runs/1`,
    `/directories/${ids.directory}/scim-log`,
    `/directories/${ids.directory}/token`,
    '/identity-providers',
    '/identity-providers/presets',
    '/identity-providers/1',
    `/users/${ids.person}/identities`,
  ];
}

/** What anyone may do to their own things. */
const OWN: Call[] = [
  ['PUT', '/user/password'],
  ['POST', '/api-keys'],
  ['DELETE', '/api-keys/{id}'],
];

function send(s: TestServer, key: string | null, [method, path, body]: Call) {
  if (body === 'photo') {
    const form = new FormData();
    form.set('photo', new Blob([PNG], { type: 'image/png' }), 'p.png');
    return s.request(method, `${API}${path}`, { key, raw: form });
  }
  if (body === 'csv')
    return s.request(method, `${API}${path}`, {
      key,
      raw: 'username,firstname,surname,email\nzz,Z,Z,zz@example.org\n',
      headers: { 'content-type': 'text/csv' },
    });
  return s.request(method, `${API}${path}`, { key, body });
}

/** "/users/7/photo" → "/users/{id}/photo" */
const template = (path: string) => path.replace(/\/\d+(?=\/|$)/g, '/{id}');

describe('People API v2: permissions', () => {
  let s: TestServer;
  let ids: Ids;
  let plain: { id: number; key: string };
  let operations: string[];
  before(async () => {
    s = await startTestServer();
    plain = await s.makeUser('plain');
    const person = await s.app.core.people.create(SYSTEM_ACTOR, {
      username: 'target',
      firstname: 'T',
      surname: 'Arget',
      email: 't@example.org',
    });
    await s.app.core.people.setPhoto(SYSTEM_ACTOR, person.id, 'image/png', PNG);
    const blocked = await s.app.core.people.create(SYSTEM_ACTOR, {
      username: 'hidden',
      firstname: 'Hidden',
      surname: 'Person',
      email: 'hidden@example.org',
      manager_id: person.id,
    });
    await s.app.core.people.setPhoto(SYSTEM_ACTOR, blocked.id, 'image/png', PNG);
    await s.app.core.people.block(SYSTEM_ACTOR, blocked.id, 'secret reason');
    const group = await s.app.core.groups.create(SYSTEM_ACTOR, { name: 'G' });
    await s.app.core.groups.setMembers(SYSTEM_ACTOR, group.id, [person.id, blocked.id]);
    const role = await s.app.core.roles.create(SYSTEM_ACTOR, { name: 'R' });
    await s.app.core.roles.setMembers(SYSTEM_ACTOR, role.id, [person.id, blocked.id]);
    const extranet = await s.app.core.extranets.create(SYSTEM_ACTOR, { name: 'E' });
    const field = await s.app.core.profileFields.create(SYSTEM_ACTOR, {
      name: 'f',
      label: 'F',
      type: 'string',
    });
    const keys = await s.app.apiKeys.list(s.adminId, 0, 10);
    const directory = await s.app.core.directories.createDirectory(SYSTEM_ACTOR, {
      type: 'scim',
      name: 'Perm SCIM',
      scim: { mapping: {} },
      adopt_local_accounts: true,
      max_block_percent: 10,
      schedule: null,
    });
    ids = {
      directory: directory.id,
      person: person.id,
      blocked: blocked.id,
      group: group.id,
      role: role.id,
      extranet: extranet.id,
      field: field.id,
      adminKey: keys.data[0]!.id,
    };
    const doc = await s.request('GET', `${API}/openapi.json`);
    operations = Object.entries(doc.body.paths as Record<string, object>).flatMap(([p, ops]) =>
      // Every path parameter as {id}, as `template` writes the tables' paths.
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{[a-z_]+\}/g, '{id}')}`),
    );
  });
  after(() => s.close());

  it('the tables here cover every operation of the OpenAPI document', () => {
    const known = new Set([
      ...writes(ids).map(([m, p]) => `${m} ${API}${template(p)}`),
      ...directoryReads(ids).map((p) => `GET ${API}${template(p)}`),
      ...adminReads(ids).map((p) => `GET ${API}${template(p)}`),
      ...OWN.map(([m, p]) => `${m} ${API}${p}`),
    ]);
    // Signing in, and the sign-in page's list of identity providers, need no credentials.
    const missing = operations.filter(
      (o) => !known.has(o) && !o.includes('/api/session') && o !== 'GET /api/sso/providers',
    );
    assert.deepEqual(missing, [], 'operations with no permission test');
  });

  it('no credentials, a bad key or a malformed header: 401 on every operation', async () => {
    const all: Call[] = [
      ...writes(ids),
      ...directoryReads(ids).map((p): Call => ['GET', p]),
      ...adminReads(ids).map((p): Call => ['GET', p]),
      ['PUT', '/user/password', { current_password: 'x', password: 'y-long-password' }],
      ['POST', '/api-keys', { name: 'x' }],
      ['DELETE', `/api-keys/${ids.adminKey}`],
    ];
    for (const call of all) {
      const r = await send(s, null, call);
      assert.equal(r.status, 401, `${call[0]} ${call[1]}: ${r.text}`);
      assert.equal(r.body.type, 'unauthenticated');
      assert.equal(r.body.code, 401);
    }
    for (const headers of [
      { authorization: 'Bearer ghk_not-a-real-key' },
      { authorization: 'Bearer ' },
      { authorization: `Basic ${Buffer.from('admin:admin-password-1').toString('base64')}` },
      { authorization: s.adminKey },
    ]) {
      const r = await s.request('GET', `${API}/users`, { key: null, headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
    }
    assert.equal((await s.request('GET', `${API}/user`)).status, 200, 'the admin key still works');
  });

  it('a plain user reads the directory but every write is 403 and changes nothing', async () => {
    for (const path of directoryReads(ids)) {
      const r = await s.request('GET', `${API}${path}`, { key: plain.key });
      assert.equal(r.status, 200, `GET ${path}: ${r.text}`);
    }
    for (const path of adminReads(ids)) {
      const r = await s.request('GET', `${API}${path}`, { key: plain.key });
      assert.equal(r.status, 403, `GET ${path}: ${r.text}`);
      assert.equal(r.body.type, 'forbidden');
    }
    const auditBefore = (await s.request('GET', `${API}/audit?limit=1`)).body.pagination.total;
    for (const call of writes(ids)) {
      const r = await send(s, plain.key, call);
      assert.equal(r.status, 403, `${call[0]} ${call[1]}: ${r.text}`);
      assert.equal(r.body.type, 'forbidden');
    }
    // nothing changed
    const auditAfter = (await s.request('GET', `${API}/audit?limit=1`)).body.pagination.total;
    assert.equal(auditAfter, auditBefore);
    const target = await s.request('GET', `${API}/users/${ids.person}`);
    assert.equal(target.body.version, 2, 'only the photo set in before()');
    assert.equal((await s.request('GET', `${API}/groups/${ids.group}`)).body.name, 'G');
  });

  it('the permission is checked before the body: a plain user sending a bad body gets 403, not a 400 that describes it', async () => {
    for (const call of writes(ids)) {
      if (call[2] === undefined) continue;
      const r = await send(s, plain.key, [call[0], call[1], { not_a_field: [1, 2, 3] }]);
      assert.equal(r.status, 403, `${call[0]} ${call[1]}: ${r.text}`);
      assert.equal(r.body.type, 'forbidden');
      assert.equal(r.body.fields, undefined);
    }
  });

  it('sysadmins and login-handler administrators without People admin cannot write people', async () => {
    const sys = await s.makeUser('onlysys', ['sysadmin']);
    const lh = await s.makeUser('onlylh', ['login_handler_admin']);
    for (const key of [sys.key, lh.key]) {
      const r = await s.request('PATCH', `${API}/users/${ids.person}`, {
        key,
        body: { job_title: 'x' },
      });
      assert.equal(r.status, 403);
      const g = await s.request('POST', `${API}/groups`, { key, body: { name: 'x' } });
      assert.equal(g.status, 403);
    }
    const padmin = await s.makeUser('onlypeople', ['people_admin']);
    const ok = await s.request('PATCH', `${API}/users/${ids.person}`, {
      key: padmin.key,
      body: { job_title: 'Allowed' },
    });
    assert.equal(ok.status, 200);
    const policy = await s.request('PATCH', `${API}/settings/password-policy`, {
      key: padmin.key,
      body: { minLength: 12 },
    });
    assert.equal(policy.status, 403, 'a People admin does not change site settings');
  });

  it('directories: sysadmins manage them; People administrators read them and run syncs; nobody else', async () => {
    const padmin = await s.makeUser('dirpeople', ['people_admin']);
    const sys = await s.makeUser('dirsys', ['sysadmin']);
    const d = ids.directory;
    const asPeople = (m: string, p: string, body?: unknown) =>
      s.request(m, `${API}${p}`, { key: padmin.key, body });
    assert.equal((await asPeople('GET', '/directories')).status, 200);
    assert.equal((await asPeople('GET', `/directories/${d}/runs`)).status, 200);
    for (const [m, p, body] of [
      ['POST', '/directories', { type: 'scim', name: 'x' }],
      ['PATCH', `/directories/${d}`, { name: 'x' }],
      ['DELETE', `/directories/${d}`, undefined],
      ['POST', `/directories/${d}/release`, {}],
      // A SCIM connection's log and tokens are its settings: the sysadmins'.
      ['GET', `/directories/${d}/scim-log`, undefined],
      ['GET', `/directories/${d}/token`, undefined],
      ['POST', `/directories/${d}/token`, {}],
    ] as const) {
      const r = await asPeople(m, p, body);
      assert.equal(r.status, 403, `${m} ${p}: ${r.text}`);
    }
    const renamed = await s.request('PATCH', `${API}/directories/${d}`, {
      key: sys.key,
      body: { name: 'Perm SCIM 2' },
    });
    assert.equal(renamed.status, 200, renamed.text);
    for (const p of [`/directories/${d}/scim-log`, `/directories/${d}/token`]) {
      const r = await s.request('GET', `${API}${p}`, { key: sys.key });
      assert.equal(r.status, 200, `${p}: ${r.text}`);
    }
  });

  it('a plain user does not see blocked accounts anywhere', async () => {
    const k = { key: plain.key };
    const b = ids.blocked;
    for (const path of [
      `/users/${b}`,
      `/users/${b}/groups`,
      `/users/${b}/roles`,
      `/users/${b}/subordinates`,
      `/users/${b}/photo`,
    ]) {
      const r = await s.request('GET', `${API}${path}`, k);
      assert.equal(r.status, 404, `GET ${path}: ${r.text}`);
      assert.equal(r.body.type, 'not_found');
    }
    const list = await s.request('GET', `${API}/users?limit=200`, k);
    assert.ok(!list.body.data.some((u: { id: number }) => u.id === b));
    const asked = await s.request('GET', `${API}/users?state=blocked&limit=200`, k);
    assert.ok(!asked.body.data.some((u: { id: number }) => u.id === b));
    const search = await s.request('GET', `${API}/users?q=hidden`, k);
    assert.equal(search.body.pagination.total, 0, 'not even counted');
    const subs = await s.request('GET', `${API}/users/${ids.person}/subordinates`, k);
    assert.deepEqual(subs.body.data, []);
    for (const path of [`/groups/${ids.group}/users`, `/roles/${ids.role}/users`]) {
      const r = await s.request('GET', `${API}${path}`, k);
      assert.deepEqual(r.body.ids, [ids.person], path);
    }
    // administrators see it all
    assert.equal((await s.request('GET', `${API}/users/${b}`)).status, 200);
    assert.equal((await s.request('GET', `${API}/users/${b}/photo`)).status, 200);
    const adminMembers = await s.request('GET', `${API}/groups/${ids.group}/users`);
    assert.deepEqual(adminMembers.body.ids, [ids.person, b]);
    const adminSubs = await s.request('GET', `${API}/users/${ids.person}/subordinates`);
    assert.deepEqual(
      adminSubs.body.data.map((u: { id: number }) => u.id),
      [b],
    );
  });

  it('a plain user sees a locked-out (frozen) account everywhere, shown as active', async () => {
    const k = { key: plain.key };
    const boss = await s.app.core.people.create(SYSTEM_ACTOR, {
      username: 'lockboss',
      firstname: 'Lock',
      surname: 'Boss',
      email: 'lockboss@example.org',
    });
    const area = await s.app.core.extranets.create(SYSTEM_ACTOR, { name: 'Locked area' });
    const locked = await s.app.core.people.create(SYSTEM_ACTOR, {
      username: 'lockedout',
      firstname: 'Locked',
      surname: 'Out',
      email: 'lockedout@example.org',
      manager_id: boss.id,
      extranet_id: area.id,
    });
    await s.app.core.people.setPhoto(SYSTEM_ACTOR, locked.id, 'image/png', PNG);
    const group = await s.app.core.groups.create(SYSTEM_ACTOR, { name: 'Locked group' });
    await s.app.core.groups.setMembers(SYSTEM_ACTOR, group.id, [locked.id]);
    const role = await s.app.core.roles.create(SYSTEM_ACTOR, { name: 'Locked role' });
    await s.app.core.roles.setMembers(SYSTEM_ACTOR, role.id, [locked.id]);
    await s.app.store.db
      .updateTable('people')
      .set({ state: 'frozen', frozen_until: new Date(Date.now() + 3_600_000).toISOString() })
      .where('id', '=', locked.id)
      .execute();
    assert.equal((await s.request('GET', `${API}/users/${locked.id}`)).body.state, 'frozen');

    const one = await s.request('GET', `${API}/users/${locked.id}`, k);
    assert.equal(one.status, 200);
    assert.equal(one.body.state, 'active');
    for (const path of [`/users/${locked.id}/groups`, `/users/${locked.id}/roles`]) {
      const r = await s.request('GET', `${API}${path}`, k);
      assert.equal(r.status, 200, path);
    }
    const photo = await s.request('GET', `${API}/users/${locked.id}/photo`, k);
    assert.equal(photo.status, 200);
    const subs = await s.request('GET', `${API}/users/${boss.id}/subordinates`, k);
    assert.deepEqual(
      subs.body.data.map((u: { id: number; state: string }) => [u.id, u.state]),
      [[locked.id, 'active']],
    );
    for (const path of [
      `/groups/${group.id}/users`,
      `/roles/${role.id}/users`,
      `/extranets/${area.id}/users`,
    ]) {
      const r = await s.request('GET', `${API}${path}`, k);
      assert.deepEqual(r.body.ids, [locked.id], path);
    }
  });

  it('a plain user sees the directory entry, not account internals', async () => {
    const r = await s.request('GET', `${API}/users/${ids.person}`, { key: plain.key });
    for (const internal of [
      'origin',
      'origin_source',
      'blocked_by',
      'blocked_reason',
      'must_change_password',
      'password_authority',
      'last_login_at',
      'owned_fields',
      'frozen_until',
    ])
      assert.ok(!(internal in r.body), internal);
    const me = await s.request('GET', `${API}/user`, { key: plain.key });
    assert.equal(me.body.id, plain.id);
    assert.ok(!('origin' in me.body));
  });

  it('blocking the owner stops their API keys at once, freezing does not; unblocking restores them', async () => {
    const worker = await s.makeUser('keyholder', ['people_admin']);
    assert.equal((await s.request('GET', `${API}/user`, { key: worker.key })).status, 200);
    const blocked = await s.request('POST', `${API}/users/${worker.id}/block`, { body: {} });
    assert.equal(blocked.status, 200);
    const r = await s.request('GET', `${API}/user`, { key: worker.key });
    assert.equal(r.status, 401);
    assert.equal(r.body.type, 'unauthenticated');
    await s.request('POST', `${API}/users/${worker.id}/unblock`, { body: {} });
    assert.equal((await s.request('GET', `${API}/user`, { key: worker.key })).status, 200);
    await s.app.store.db
      .updateTable('people')
      .set({ state: 'frozen', frozen_until: new Date(Date.now() + 3_600_000).toISOString() })
      .where('id', '=', worker.id)
      .execute();
    // A lockout is about password guessing: the keys go on (also on PostgreSQL's prepared lookup).
    assert.equal((await s.request('GET', `${API}/user`, { key: worker.key })).status, 200);
    await s.request('POST', `${API}/users/${worker.id}/unfreeze`, { body: {} });
    assert.equal((await s.request('GET', `${API}/user`, { key: worker.key })).status, 200);
    // a grant removed is a permission removed, at once
    await s.request('PUT', `${API}/users/${worker.id}/grants`, { body: { people_admin: false } });
    const w = await s.request('PATCH', `${API}/users/${ids.person}`, {
      key: worker.key,
      body: { job_title: 'late' },
    });
    assert.equal(w.status, 403);
  });
});
