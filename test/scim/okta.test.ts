/**
 * Okta's SCIM 2.0 request sequence, as its developer guide for SCIM apps describes it:
 * lookup by userName filter, create, read, PUT update, deactivate by path-less PATCH,
 * reactivate, group push and member changes by members[value eq] paths. Okta never DELETEs.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startScimServer, oktaUser, GROUP, PATCH_OP, type ScimServer } from './helpers.ts';

let s: ScimServer;
before(async () => {
  s = await startScimServer();
});
after(() => s.close());

test('Okta: lookup, create, read, update, deactivate, reactivate', async () => {
  const q = encodeURIComponent('userName eq "jane.doe@example.org"');
  let r = await s.scim('GET', `/Users?filter=${q}&startIndex=1&count=100`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /application\/scim\+json/);
  assert.deepEqual(
    { total: r.body.totalResults, items: r.body.Resources, schemas: r.body.schemas },
    { total: 0, items: [], schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'] },
  );

  r = await s.scim('POST', '/Users', oktaUser('jane.doe@example.org'));
  assert.equal(r.status, 201, r.text);
  const id = r.body.id as string;
  assert.equal(r.body.userName, 'jane.doe@example.org');
  assert.equal(r.body.active, true);
  assert.equal(r.body.password, undefined, 'a password is never answered');
  assert.equal(r.body.meta.resourceType, 'User');
  assert.equal(r.body.meta.location, `${s.url}/scim/v2/Users/${id}`);
  assert.equal(r.headers.get('etag'), r.body.meta.version);
  assert.equal(r.body.displayName, 'jane doe');

  // The account: synced, owned by the directory, origin scim, the IdP's password not stored.
  const personId = await s.app.core.directorySync.personFor(s.directoryId, id);
  assert.ok(personId);
  const person = await s.app.core.people.row(personId);
  assert.equal(person.origin, 'scim');
  assert.equal(person.directory_id, s.directoryId);
  assert.equal(person.password_authority, 'directory');
  assert.equal(person.password_hash, null);
  assert.equal(person.firstname, 'jane');
  assert.equal(person.email, 'jane.doe@example.org');

  r = await s.scim('GET', `/Users?filter=${q}&startIndex=1&count=100`);
  assert.equal(r.body.totalResults, 1);
  assert.equal(r.body.Resources[0].id, id);

  r = await s.scim('GET', `/Users/${id}`);
  assert.equal(r.status, 200);
  const full = r.body;

  // Wizard-made apps update with PUT.
  r = await s.scim('PUT', `/Users/${id}`, {
    ...full,
    title: 'Engineer',
    name: { givenName: 'Janet', familyName: 'doe' },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.title, 'Engineer');
  assert.notEqual(r.body.meta.version, full.meta.version);
  let p = await s.app.core.people.row(personId);
  assert.equal(p.job_title, 'Engineer');
  assert.equal(p.firstname, 'Janet');

  // Deactivation: replace without a path.
  r = await s.scim('PATCH', `/Users/${id}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', value: { active: false } }],
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.active, false);
  p = await s.app.core.people.row(personId);
  assert.equal(p.state, 'blocked');
  assert.equal(p.blocked_by, 'directory');
  // Still readable: Okta reads it back.
  r = await s.scim('GET', `/Users/${id}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.active, false);
  r = await s.scim('GET', `/Users?filter=${encodeURIComponent('active eq false')}`);
  assert.equal(r.body.totalResults, 1);

  r = await s.scim('PATCH', `/Users/${id}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', value: { active: true } }],
  });
  assert.equal(r.status, 200);
  p = await s.app.core.people.row(personId);
  assert.equal(p.state, 'active');
});

test("Okta: an administrator's block is not lifted by active true", async () => {
  const r = await s.scim('POST', '/Users', oktaUser('held.back@example.org'));
  assert.equal(r.status, 201);
  const personId = (await s.app.core.directorySync.personFor(s.directoryId, r.body.id))!;
  await s.app.core.people.block(
    { personId: s.adminId, label: 'admin', gate: 'api' },
    personId,
    'Leaver',
  );
  const before = await s.app.core.people.row(personId);
  assert.equal(before.blocked_by, 'admin');
  const p = await s.scim('PATCH', `/Users/${r.body.id}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'replace', value: { active: true } }],
  });
  assert.equal(p.status, 200, p.text);
  assert.equal((await s.app.core.people.row(personId)).state, 'blocked');
});

test('Okta: group push, member add and removal by members[value eq]', async () => {
  const ids: string[] = [];
  for (const n of ['a.one', 'b.two', 'c.three']) {
    const r = await s.scim('POST', '/Users', oktaUser(`${n}@example.org`));
    assert.equal(r.status, 201);
    ids.push(r.body.id);
  }
  let r = await s.scim('POST', '/Groups', {
    schemas: [GROUP],
    displayName: 'Okta Sales',
    members: [{ value: ids[0], display: 'a.one@example.org' }],
  });
  assert.equal(r.status, 201, r.text);
  const gid = r.body.id as string;
  assert.deepEqual(
    r.body.members.map((m: { value: string }) => m.value),
    [ids[0]],
  );
  r = await s.scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "okta sales"')}`);
  assert.equal(r.body.totalResults, 1);

  r = await s.scim('PATCH', `/Groups/${gid}`, {
    schemas: [PATCH_OP],
    Operations: [
      { op: 'add', path: 'members', value: [{ value: ids[1] }, { value: ids[2] }] },
      { op: 'replace', value: { id: gid, displayName: 'Okta Sales EMEA' } },
    ],
  });
  assert.equal(r.status, 204, r.text);
  r = await s.scim('PATCH', `/Groups/${gid}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'remove', path: `members[value eq "${ids[0]}"]` }],
  });
  assert.equal(r.status, 204, r.text);
  r = await s.scim('GET', `/Groups/${gid}`);
  assert.equal(r.body.displayName, 'Okta Sales EMEA');
  assert.deepEqual(
    r.body.members.map((m: { value: string }) => m.value).sort(),
    [ids[1], ids[2]].sort(),
  );

  // The Gatehouse group: owned by the directory, read-only elsewhere.
  const groups = await s.request('GET', '/api/people/v2/groups?q=okta');
  const g = groups.body.data.find((x: { name: string }) => x.name === 'Okta Sales EMEA');
  assert.ok(g);
  assert.equal(g.directory_id, s.directoryId);
  const refused = await s.request('PATCH', `/api/people/v2/groups/${g.id}`, {
    body: { name: 'Mine' },
  });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.type, 'field_owned_by_directory');
});
