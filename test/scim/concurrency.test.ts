/** Parallel SCIM writes: one account per userName; member changes at once lose none. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startScimServer, oktaUser, GROUP, PATCH_OP, type ScimServer } from './helpers.ts';

let s: ScimServer;
before(async () => {
  s = await startScimServer();
});
after(() => s.close());

test('20 parallel creates of one userName make one account', async () => {
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => s.scim('POST', '/Users', oktaUser('same.person@example.org'))),
  );
  const created = answers.filter((r) => r.status === 201);
  const refused = answers.filter((r) => r.status === 409);
  assert.equal(created.length, 1, answers.map((r) => `${r.status} ${r.text}`).join('\n'));
  assert.equal(refused.length, 19);
  for (const r of refused) assert.equal(r.body.scimType, 'uniqueness');
  const people = await s.app.store.db
    .selectFrom('people')
    .select('id')
    .where('username_key', '=', 'same.person@example.org')
    .execute();
  assert.equal(people.length, 1);
  const list = await s.scim(
    'GET',
    `/Users?filter=${encodeURIComponent('userName eq "same.person@example.org"')}`,
  );
  assert.equal(list.body.totalResults, 1);
});

test('parallel member additions and removals to one group lose none', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const r = await s.scim('POST', '/Users', oktaUser(`p.m${i}@example.org`));
    assert.equal(r.status, 201, r.text);
    ids.push(r.body.id);
  }
  const g = await s.scim('POST', '/Groups', {
    schemas: [GROUP],
    displayName: 'Busy',
    members: ids.slice(20).map((value) => ({ value })),
  });
  assert.equal(g.status, 201);
  const answers = await Promise.all([
    ...ids.slice(0, 20).map((id) =>
      s.scim('PATCH', `/Groups/${g.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
      }),
    ),
    ...ids.slice(20, 25).map((id) =>
      s.scim('PATCH', `/Groups/${g.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }],
      }),
    ),
  ]);
  for (const r of answers) assert.equal(r.status, 204, r.text);
  const r = await s.scim('GET', `/Groups/${g.body.id}`);
  const got = r.body.members.map((m: { value: string }) => m.value).sort();
  assert.deepEqual(got, [...ids.slice(0, 20), ...ids.slice(25)].sort());
});
