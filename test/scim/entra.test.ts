/**
 * Microsoft Entra ID's provisioning sequence, as its SCIM guide ("Develop and plan
 * provisioning for a SCIM endpoint") shows it: lookups by userName and by
 * emails[type eq "work"].value, capitalised PATCH ops with "False"/"True" strings and
 * path-less dotted keys and enterprise URNs, groups read with excludedAttributes=members,
 * member Remove with a value list, soft delete then DELETE, and a later re-create.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startScimServer, USER, ENTERPRISE, GROUP, PATCH_OP, type ScimServer } from './helpers.ts';

let s: ScimServer;
before(async () => {
  s = await startScimServer();
});
after(() => s.close());

const entraUser = (userName: string, externalId: string) => ({
  schemas: [USER, ENTERPRISE],
  externalId,
  userName,
  active: true,
  displayName: 'Test User One',
  emails: [{ primary: true, type: 'work', value: userName }],
  meta: { resourceType: 'User' },
  name: { formatted: 'Ms. Test User One', familyName: 'One', givenName: 'Test' },
  roles: [],
  title: 'Tester',
  [ENTERPRISE]: { employeeNumber: '1001', department: 'Quality' },
});

const patch = (ops: unknown[]) => ({ schemas: [PATCH_OP], Operations: ops });

test('Entra: user lifecycle', async () => {
  const q = (f: string) => `/Users?filter=${encodeURIComponent(f)}`;
  let r = await s.scim('GET', q('userName eq "Test_User_ab6490ee@contoso.com"'));
  assert.equal(r.body.totalResults, 0);
  r = await s.scim('POST', '/Users', entraUser('Test_User_ab6490ee@contoso.com', 'ab6490ee'));
  assert.equal(r.status, 201, r.text);
  const id = r.body.id as string;
  // displayName and name.formatted come back as sent (Microsoft's validator reads them).
  assert.equal(r.body.displayName, 'Test User One');
  assert.equal(r.body.name.formatted, 'Ms. Test User One');
  assert.equal(r.body[ENTERPRISE].employeeNumber, '1001');
  const personId = (await s.app.core.directorySync.personFor(s.directoryId, id))!;
  let p = await s.app.core.people.row(personId);
  assert.deepEqual([p.user_code, p.department, p.job_title], ['1001', 'Quality', 'Tester']);

  for (const f of [
    'userName eq "test_user_AB6490EE@contoso.com"',
    'emails[type eq "work"].value eq "Test_User_ab6490ee@contoso.com"',
    'externalId eq "ab6490ee"',
    'displayName eq "Test User One"',
    `${ENTERPRISE}:employeeNumber eq "1001"`,
    'name.familyName sw "On" and not (title eq "Boss")',
  ]) {
    r = await s.scim('GET', q(f));
    assert.equal(r.status, 200, f);
    assert.equal(r.body.totalResults, 1, f);
  }
  r = await s.scim('GET', q('externalId eq "AB6490EE"'));
  assert.equal(r.body.totalResults, 0, 'externalId is case-exact');
  r = await s.scim('GET', q('emails[type eq "home"].value eq "Test_User_ab6490ee@contoso.com"'));
  assert.equal(r.body.totalResults, 0);

  r = await s.scim(
    'PATCH',
    `/Users/${id}`,
    patch([
      { op: 'Replace', path: 'displayName', value: 'Test User Renamed' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'renamed@contoso.com' },
      { op: 'Add', value: { 'name.givenName': 'Tess', [`${ENTERPRISE}:department`]: 'Audit' } },
    ]),
  );
  assert.equal(r.status, 200, r.text);
  p = await s.app.core.people.row(personId);
  assert.deepEqual([p.firstname, p.email, p.department], ['Tess', 'renamed@contoso.com', 'Audit']);
  r = await s.scim('GET', q('displayName eq "test user renamed"'));
  assert.equal(r.body.totalResults, 1);

  // Soft delete: active "False".
  r = await s.scim(
    'PATCH',
    `/Users/${id}`,
    patch([{ op: 'Replace', path: 'active', value: 'False' }]),
  );
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.active, false);
  assert.equal((await s.app.core.people.row(personId)).state, 'blocked');
  r = await s.scim(
    'PATCH',
    `/Users/${id}`,
    patch([{ op: 'Replace', path: 'active', value: 'True' }]),
  );
  assert.equal((await s.app.core.people.row(personId)).state, 'active');

  // DELETE: blocked, the resource gone, nothing deleted.
  r = await s.scim('DELETE', `/Users/${id}`);
  assert.equal(r.status, 204);
  r = await s.scim('GET', `/Users/${id}`);
  assert.equal(r.status, 404);
  assert.equal(r.body.status, '404');
  p = await s.app.core.people.row(personId);
  assert.equal(p.state, 'blocked');
  assert.equal(p.blocked_by, 'directory');
  r = await s.scim('GET', q('userName eq "Test_User_ab6490ee@contoso.com"'));
  assert.equal(r.body.totalResults, 0);

  // Created again: the same account comes back.
  r = await s.scim('POST', '/Users', entraUser('Test_User_ab6490ee@contoso.com', 'ab6490ee'));
  assert.equal(r.status, 201, r.text);
  assert.notEqual(r.body.id, id);
  assert.equal(await s.app.core.directorySync.personFor(s.directoryId, r.body.id), personId);
  assert.equal((await s.app.core.people.row(personId)).state, 'active');

  // Every write audited with the directory as actor and the request id.
  const audit = await s.app.store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('target_type', '=', 'person')
    .where('target_id', '=', String(personId))
    .execute();
  assert.ok(audit.length >= 5);
  for (const e of audit) {
    assert.equal(e.gate, 'scim');
    assert.equal(e.actor_label, 'directory:Okta');
    assert.ok(e.request_id);
  }
});

test('Entra: groups, excludedAttributes=members, Remove with a value list removes those only', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await s.scim('POST', '/Users', {
      ...entraUser(`member${i}@contoso.com`, `m${i}`),
      [ENTERPRISE]: { employeeNumber: `2${i}` },
    });
    assert.equal(r.status, 201, r.text);
    ids.push(r.body.id);
  }
  let r = await s.scim('POST', '/Groups', {
    schemas: [GROUP],
    externalId: '8aa1a0c0',
    displayName: 'Group1DisplayName',
    members: [],
  });
  assert.equal(r.status, 201, r.text);
  const gid = r.body.id as string;
  r = await s.scim(
    'GET',
    `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Group1DisplayName"')}`,
  );
  assert.equal(r.body.totalResults, 1);
  assert.equal(r.body.Resources[0].members, undefined);
  r = await s.scim(
    'PATCH',
    `/Groups/${gid}`,
    patch([{ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }]),
  );
  assert.equal(r.status, 204, r.text);
  r = await s.scim(
    'PATCH',
    `/Groups/${gid}`,
    patch([{ op: 'Remove', path: 'members', value: [{ value: ids[0] }, { value: ids[2] }] }]),
  );
  assert.equal(r.status, 204, r.text);
  r = await s.scim('GET', `/Groups/${gid}`);
  assert.deepEqual(
    r.body.members.map((m: { value: string }) => m.value).sort(),
    [ids[1], ids[3]].sort(),
  );
  r = await s.scim('GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${ids[1]}"]`)}`);
  assert.equal(r.body.totalResults, 1);
  r = await s.scim(
    'PATCH',
    `/Groups/${gid}`,
    patch([{ op: 'Replace', path: 'displayName', value: 'Group1 Renamed' }]),
  );
  assert.equal(r.status, 204);
  r = await s.scim('DELETE', `/Groups/${gid}`);
  assert.equal(r.status, 204);
  r = await s.scim('GET', `/Groups/${gid}`);
  assert.equal(r.status, 404);
  const groups = await s.request('GET', '/api/people/v2/groups?q=group1');
  assert.equal(groups.body.data.length, 0);
});

test('Entra: the manager as the enterprise extension names it (a SCIM id, as a string)', async () => {
  const boss = await s.scim('POST', '/Users', {
    ...entraUser('boss@contoso.com', 'boss'),
    [ENTERPRISE]: { employeeNumber: '9001' },
  });
  const worker = await s.scim('POST', '/Users', {
    ...entraUser('worker@contoso.com', 'worker'),
    [ENTERPRISE]: { employeeNumber: '9002' },
  });
  assert.equal(worker.status, 201, worker.text);
  const r = await s.scim(
    'PATCH',
    `/Users/${worker.body.id}`,
    patch([{ op: 'Add', path: `${ENTERPRISE}:manager`, value: boss.body.id }]),
  );
  assert.equal(r.status, 200, r.text);
  const bossId = await s.app.core.directorySync.personFor(s.directoryId, boss.body.id);
  const workerId = (await s.app.core.directorySync.personFor(s.directoryId, worker.body.id))!;
  assert.equal((await s.app.core.people.row(workerId)).manager_id, bossId);
  await s.scim(
    'PATCH',
    `/Users/${worker.body.id}`,
    patch([{ op: 'Remove', path: `${ENTERPRISE}:manager` }]),
  );
  assert.equal((await s.app.core.people.row(workerId)).manager_id, null);
});

test('Entra: an employeeNumber sent as "" or removed clears the user code, and empty ones never collide', async () => {
  const made = [];
  for (const [name, code] of [
    ['code.one@contoso.com', 'E-1'],
    ['code.two@contoso.com', 'E-2'],
  ] as const) {
    const r = await s.scim('POST', '/Users', {
      ...entraUser(name, name.split('@')[0]!),
      [ENTERPRISE]: { employeeNumber: code },
    });
    assert.equal(r.status, 201, r.text);
    made.push(r.body.id as string);
  }
  const [one, two] = made as [string, string];
  // One IdP sends "" (a PUT of the whole user), the other removes the attribute.
  let r = await s.scim('PUT', `/Users/${one}`, {
    ...entraUser('code.one@contoso.com', 'code.one'),
    [ENTERPRISE]: { employeeNumber: '' },
  });
  assert.equal(r.status, 200, r.text);
  r = await s.scim(
    'PATCH',
    `/Users/${two}`,
    patch([{ op: 'Remove', path: `${ENTERPRISE}:employeeNumber` }]),
  );
  assert.equal(r.status, 200, r.text);
  for (const id of made) {
    const personId = (await s.app.core.directorySync.personFor(s.directoryId, id))!;
    assert.equal((await s.app.core.people.row(personId)).user_code, null);
  }
  // A third user without a code fits beside them.
  r = await s.scim('POST', '/Users', {
    ...entraUser('code.three@contoso.com', 'code.three'),
    [ENTERPRISE]: { employeeNumber: '' },
  });
  assert.equal(r.status, 201, r.text);
});
