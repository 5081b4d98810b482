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

/** Sends `n` creates of one userName at once: the one made, and the refused (each 409 uniqueness). */
async function racingCreates(n: number, body: () => object, token?: string) {
  const answers = await Promise.all(
    Array.from({ length: n }, () => s.scim('POST', '/Users', body(), token ? { token } : {})),
  );
  const created = answers.filter((r) => r.status === 201);
  const refused = answers.filter((r) => r.status === 409);
  assert.equal(created.length, 1, answers.map((r) => `${r.status} ${r.text}`).join('\n'));
  assert.equal(refused.length, n - 1, answers.map((r) => `${r.status} ${r.text}`).join('\n'));
  for (const r of refused) assert.equal(r.body.scimType, 'uniqueness');
  return created[0]!;
}

// Creates of one userName wait on each other before they read the account (a lock on the
// userName in the directory): racing to adopt or to bring back one account, one does it and
// the others are refused as for any userName the directory has, not 412 or a second link.
test('parallel creates adopting one local account: one adopts it, the others are 409', async () => {
  const local = await s.makeUser('adam.local');
  const adopting = await s.addDirectory('Racing adopter', true);
  const made = await racingCreates(
    10,
    () =>
      oktaUser('adam.local', {
        emails: [{ primary: true, value: 'adam.local@example.org', type: 'work' }],
      }),
    adopting.token,
  );
  assert.equal(await s.app.core.directorySync.personFor(adopting.id, made.body.id), local.id);
  assert.equal((await s.app.core.people.row(local.id)).directory_id, adopting.id);
  const links = await s.app.store.db
    .selectFrom('external_identities')
    .select('external_id')
    .where('person_id', '=', local.id)
    .execute();
  assert.deepEqual(
    links.map((l) => l.external_id),
    [made.body.id],
  );
});

test('parallel creates of a deleted userName: one brings the account back, the others are 409', async () => {
  const first = await s.scim('POST', '/Users', oktaUser('back.again@example.org'));
  assert.equal(first.status, 201, first.text);
  const personId = await s.app.core.directorySync.personFor(s.directoryId, first.body.id);
  assert.equal((await s.scim('DELETE', `/Users/${first.body.id}`)).status, 204);
  const made = await racingCreates(10, () => oktaUser('back.again@example.org'));
  assert.equal(await s.app.core.directorySync.personFor(s.directoryId, made.body.id), personId);
  assert.equal((await s.app.core.people.row(personId!)).state, 'active');
});

test('a create of a userName the directory has names the userName', async () => {
  const r = await s.scim('POST', '/Users', oktaUser('same.person@example.org'));
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.scimType, 'uniqueness');
  assert.equal(
    r.body.detail,
    'A user with userName "same.person@example.org" already exists in this directory.',
  );
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

test('parallel PUTs with one ETag: one wins, every other is 412, and the loser changed nothing', async () => {
  const made = await s.scim('POST', '/Users', oktaUser('etag.race@example.org'));
  assert.equal(made.status, 201, made.text);
  const etag = made.headers.get('etag')!;
  const answers = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      s.scim(
        'PUT',
        `/Users/${made.body.id}`,
        oktaUser('etag.race@example.org', { title: `Title ${i}` }),
        { 'if-match': etag },
      ),
    ),
  );
  const won = answers.filter((r) => r.status === 200);
  const lost = answers.filter((r) => r.status === 412);
  assert.equal(won.length, 1, answers.map((r) => `${r.status} ${r.text}`).join('\n'));
  assert.equal(lost.length, 5);
  for (const r of lost) assert.equal(r.body.status, '412');
  // The account and the resource hold the winner's title, at the next version.
  const now = await s.scim('GET', `/Users/${made.body.id}`);
  assert.equal(now.body.title, won[0]!.body.title);
  assert.equal(now.headers.get('etag'), won[0]!.headers.get('etag'));
  const personId = (await s.app.core.directorySync.personFor(s.directoryId, made.body.id))!;
  assert.equal((await s.app.core.people.row(personId)).job_title, won[0]!.body.title);
  // A DELETE with the ETag the others read is 412 as well.
  const del = await s.scim('DELETE', `/Users/${made.body.id}`, undefined, { 'if-match': etag });
  assert.equal(del.status, 412, del.text);
});

test('parallel PATCHes without If-Match all land (each is applied to what is stored)', async () => {
  const made = await s.scim('POST', '/Users', oktaUser('patch.race@example.org'));
  assert.equal(made.status, 201, made.text);
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      s.scim('PATCH', `/Users/${made.body.id}`, {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'add',
            path: 'emails',
            value: [{ type: `other${i}`, value: `alias${i}@example.org` }],
          },
        ],
      }),
    ),
  );
  for (const r of answers) assert.equal(r.status, 200, r.text);
  const now = await s.scim('GET', `/Users/${made.body.id}`);
  const emails = (now.body.emails as { value: string }[]).map((e) => e.value).sort();
  assert.equal(emails.length, 9, JSON.stringify(emails));
});

test('parallel group PATCHes with one ETag: one lands, the other is 412', async () => {
  const u = await s.scim('POST', '/Users', oktaUser('g.etag@example.org'));
  const g = await s.scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Raced' });
  assert.equal(g.status, 201, g.text);
  const etag = g.headers.get('etag')!;
  const answers = await Promise.all(
    ['Raced A', 'Raced B'].map((name) =>
      s.scim(
        'PATCH',
        `/Groups/${g.body.id}`,
        {
          schemas: [PATCH_OP],
          Operations: [
            { op: 'replace', path: 'displayName', value: name },
            { op: 'add', path: 'members', value: [{ value: u.body.id }] },
          ],
        },
        { 'if-match': etag },
      ),
    ),
  );
  assert.deepEqual(
    answers.map((r) => r.status).sort(),
    [204, 412],
    answers.map((r) => r.text).join('\n'),
  );
  const now = await s.scim('GET', `/Groups/${g.body.id}`);
  assert.ok(['Raced A', 'Raced B'].includes(now.body.displayName));
  assert.equal(now.body.meta.version, 'W/"2"');
  const group = await s.request('GET', `/api/people/v2/groups?q=${encodeURIComponent('Raced')}`);
  assert.deepEqual(
    group.body.data.map((x: { name: string }) => x.name),
    [now.body.displayName],
  );
});
