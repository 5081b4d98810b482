/** SCIM protocol edges: tokens, isolation, errors in the SCIM schema, ETags, paging, discovery, the request log. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startScimServer, oktaUser, USER, PATCH_OP, type ScimServer } from './helpers.ts';

let s: ScimServer;
before(async () => {
  s = await startScimServer();
});
after(() => s.close());

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

test('a bad, missing or revoked token is 401 in the SCIM error schema', async () => {
  for (const token of ['ghs_nope', 'not-a-token', s.adminKey]) {
    const r = await s.scim('GET', '/Users', undefined, { token });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body.schemas, [ERROR]);
    assert.equal(r.body.status, '401');
  }
  const r = await s.request('GET', '/scim/v2/Users', { key: null });
  assert.equal(r.status, 401);
});

test('a token sees and changes only its own directory', async () => {
  const other = await s.addDirectory('Entra');
  const mine = await s.scim('POST', '/Users', oktaUser('only.mine@example.org'));
  assert.equal(mine.status, 201);
  let r = await s.scim('GET', `/Users/${mine.body.id}`, undefined, { token: other.token });
  assert.equal(r.status, 404);
  r = await s.scim('GET', '/Users', undefined, { token: other.token });
  assert.equal(r.body.totalResults, 0);
  r = await s.scim('DELETE', `/Users/${mine.body.id}`, undefined, { token: other.token });
  assert.equal(r.status, 404);
  // Another directory's account with that userName: 409 uniqueness.
  r = await s.scim('POST', '/Users', oktaUser('only.mine@example.org'), { token: other.token });
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.scimType, 'uniqueness');
});

test('token rotation: the old token works for the grace period; 0 stops it; revoke stops all', async () => {
  const d = await s.addDirectory('Rotating');
  let r = await s.request('POST', `/api/people/v2/directories/${d.id}/token`, { body: {} });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.scim_url, `${s.url}/scim/v2`);
  assert.ok(r.body.previous_expires_at);
  const second = r.body.token as string;
  assert.equal((await s.scim('GET', '/Users', undefined, { token: d.token })).status, 200);
  assert.equal((await s.scim('GET', '/Users', undefined, { token: second })).status, 200);
  r = await s.request('POST', `/api/people/v2/directories/${d.id}/token`, {
    body: { grace_minutes: 0 },
  });
  const third = r.body.token as string;
  assert.equal((await s.scim('GET', '/Users', undefined, { token: d.token })).status, 401);
  assert.equal((await s.scim('GET', '/Users', undefined, { token: second })).status, 401);
  assert.equal((await s.scim('GET', '/Users', undefined, { token: third })).status, 200);
  r = await s.request('GET', `/api/people/v2/directories/${d.id}/token`);
  assert.equal(r.body.tokens.length, 1);
  assert.equal(JSON.stringify(r.body).includes(third), false, 'a token is never shown again');
  r = await s.request('DELETE', `/api/people/v2/directories/${d.id}/token`);
  assert.equal(r.status, 204);
  assert.equal((await s.scim('GET', '/Users', undefined, { token: third })).status, 401);
  // Only hashes are stored.
  const rows = await s.app.store.db.selectFrom('scim_tokens').select('token_hash').execute();
  assert.ok(rows.every((t) => !t.token_hash.startsWith('ghs_') && t.token_hash.length === 64));
});

test('malformed, oversized and wrong bodies get SCIM errors', async () => {
  let r = await s.scim('POST', '/Users', '{"userName": ');
  assert.equal(r.status, 400);
  assert.equal(r.body.scimType, 'invalidSyntax');
  r = await s.scim('POST', '/Users', JSON.stringify({ userName: 'x'.repeat(2 * 1024 * 1024) }));
  assert.equal(r.status, 413);
  assert.deepEqual(r.body.schemas, [ERROR]);
  r = await s.scim('POST', '/Users', '[1,2]');
  assert.equal(r.body.scimType, 'invalidSyntax');
  r = await s.scim('POST', '/Users', { schemas: [USER], name: { givenName: 'No' } });
  assert.equal(r.status, 400);
  assert.equal(r.body.scimType, 'invalidValue');
  r = await s.scim('POST', '/Users', { schemas: ['urn:wrong'], userName: 'x' });
  assert.equal(r.body.scimType, 'invalidSyntax');
  r = await s.scim('GET', '/Nope');
  assert.equal(r.status, 404);
  assert.deepEqual(r.body.schemas, [ERROR]);
  for (const f of ['userName eq', 'nosuch eq "x"', `userName eq "x" or 1=1`]) {
    r = await s.scim('GET', `/Users?filter=${encodeURIComponent(f)}`);
    assert.equal(r.status, 400, f);
    assert.equal(r.body.scimType, 'invalidFilter', f);
  }
  r = await s.scim('PATCH', '/Users/none', { schemas: [PATCH_OP], Operations: [] });
  assert.equal(r.body.scimType, 'invalidSyntax');
});

test('filters are values, never SQL: quotes, wildcards and injection attempts match literally', async () => {
  const r1 = await s.scim('POST', '/Users', oktaUser("o'brien_100%@example.org"));
  assert.equal(r1.status, 201, r1.text);
  await s.scim('POST', '/Users', oktaUser('obrienx100y@example.org'));
  const q = async (f: string) =>
    (await s.scim('GET', `/Users?filter=${encodeURIComponent(f)}`)).body.totalResults as number;
  assert.equal(await q(`userName co "_100%"`), 1);
  assert.equal(await q(`userName sw "o'brien"`), 1);
  assert.equal(await q(`userName eq "x\\" OR \\"1\\"=\\"1"`), 0);
  assert.equal(await q(`userName co "%"`), 1);
  assert.equal(await q(`externalId sw "00U"`), 0, 'externalId is case-exact');
  assert.ok((await q(`externalId sw "00u"`)) >= 2);
  assert.equal(
    await s.app.store.db
      .selectFrom('people')
      .select('id')
      .execute()
      .then((r) => r.length > 0),
    true,
  );
});

test('ETags and If-Match; attributes and excludedAttributes; paging', async () => {
  const c = await s.scim('POST', '/Users', oktaUser('etag.user@example.org', { title: 'T' }));
  const id = c.body.id as string;
  const etag = c.headers.get('etag')!;
  let r = await s.scim('PUT', `/Users/${id}`, { ...c.body, title: 'U' }, { 'if-match': 'W/"999"' });
  assert.equal(r.status, 412);
  r = await s.scim('PUT', `/Users/${id}`, { ...c.body, title: 'U' }, { 'if-match': etag });
  assert.equal(r.status, 200);
  r = await s.scim(
    'PATCH',
    `/Users/${id}`,
    { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'V' }] },
    { 'if-match': etag },
  );
  assert.equal(r.status, 412);

  r = await s.scim('GET', `/Users/${id}?attributes=userName,name.givenName`);
  assert.deepEqual(Object.keys(r.body).sort(), ['id', 'name', 'schemas', 'userName']);
  assert.deepEqual(Object.keys(r.body.name), ['givenName']);
  r = await s.scim('GET', `/Users/${id}?excludedAttributes=emails,meta`);
  assert.equal(r.body.emails, undefined);
  assert.equal(r.body.meta, undefined);
  assert.equal(r.body.userName, 'etag.user@example.org');

  const all = await s.scim('GET', '/Users?count=1000');
  const total = all.body.totalResults as number;
  assert.ok(total >= 4);
  r = await s.scim('GET', '/Users?startIndex=2&count=2');
  assert.equal(r.body.startIndex, 2);
  assert.equal(r.body.itemsPerPage, 2);
  assert.equal(r.body.totalResults, total);
  assert.deepEqual(
    r.body.Resources.map((x: { id: string }) => x.id),
    all.body.Resources.slice(1, 3).map((x: { id: string }) => x.id),
  );
  r = await s.scim('GET', '/Users?count=0');
  assert.equal(r.body.totalResults, total);
  assert.deepEqual(r.body.Resources, []);
});

test('discovery endpoints', async () => {
  let r = await s.scim('GET', '/ServiceProviderConfig');
  assert.equal(r.status, 200);
  assert.equal(r.body.patch.supported, true);
  assert.equal(r.body.filter.supported, true);
  assert.equal(r.body.etag.supported, true);
  r = await s.scim('GET', '/ResourceTypes');
  assert.deepEqual(
    r.body.Resources.map((x: { id: string }) => x.id),
    ['User', 'Group'],
  );
  r = await s.scim('GET', '/Schemas');
  assert.equal(r.body.totalResults, 3);
  r = await s.scim('GET', `/Schemas/${USER}`);
  assert.ok(r.body.attributes.some((a: { name: string }) => a.name === 'userName'));
});

test('the request log: method, path, status and the error sentence', async () => {
  await s.scim('GET', `/Users?filter=${encodeURIComponent('bogus eq "1"')}`);
  const r = await s.request('GET', `/api/people/v2/directories/${s.directoryId}/scim-log?limit=5`);
  assert.equal(r.status, 200, r.text);
  const e = r.body.data[0];
  assert.equal(e.method, 'GET');
  assert.equal(e.status, 400);
  assert.match(e.path, /^\/scim\/v2\/Users\?filter=/);
  assert.match(e.error, /bogus/);
  assert.ok(e.request_id);
});

test('a create writes the account, its link, one audit event and the resource', async () => {
  // The core leaves a new account's link and audit event to the SCIM write (one statement
  // on PostgreSQL): each must be there once, with the directory as actor and the request id.
  for (const [i, body] of [
    oktaUser('written.once@example.org'),
    oktaUser('twice@example.org'),
  ].entries()) {
    const requestId = `create-writes-${i}`;
    const r = await s.scim('POST', '/Users', body, { 'x-request-id': requestId });
    assert.equal(r.status, 201, r.text);
    const personId = await s.app.core.directorySync.personFor(s.directoryId, r.body.id);
    assert.ok(personId !== undefined, 'the identity link is written');
    const events = await s.app.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('target_type', '=', 'person')
      .where('target_id', '=', String(personId))
      .execute();
    assert.deepEqual(
      events.map((e) => [e.action, e.gate, e.actor_label, e.request_id]),
      [['person.create', 'scim', 'directory:Okta', requestId]],
    );
    const values = await s.app.store.db
      .selectFrom('scim_values')
      .select('attr')
      .where('scim_id', '=', r.body.id)
      .execute();
    assert.deepEqual(values.map((v) => v.attr).sort(), [
      'emails',
      'locale',
      'name.familyName',
      'name.givenName',
    ]);
    const found = await s.scim(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${body.userName}"`)}`,
    );
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].id, r.body.id);
  }
});

test('a user with few or many filterable values keeps all of them, and is found by each', async () => {
  // The values go in one insert whose text is kept per row count (store/bulk-insert.ts):
  // every count must write each value once, in order. Each user has
  // its name and one email (3 values) and n phone numbers.
  for (const n of [0, 5, 6, 30]) {
    const userName = `values.${n}@example.org`;
    const phones = (k: number) =>
      Array.from({ length: k }, (_, i) => ({ value: `+1 555 ${n}-${i}`, type: 'work' }));
    const user = (k: number) => ({
      userName,
      name: { givenName: 'Val', familyName: `Ues ${n}` },
      emails: [{ value: userName, type: 'work', primary: true }],
      ...(k > 0 ? { phoneNumbers: phones(k) } : {}),
    });
    const stored = async (id: string) =>
      (
        await s.app.store.db
          .selectFrom('scim_values')
          .select(['seq', 'value'])
          .where('scim_id', '=', id)
          .orderBy('seq')
          .execute()
      ).map((v) => [v.seq, v.value]);
    const expected = (k: number) =>
      [`Ues ${n}`, 'Val', userName, ...phones(k).map((p) => p.value)].map((v, i) => [i, v]);
    const r = await s.scim('POST', '/Users', user(n));
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(await stored(r.body.id), expected(n));
    for (const p of phones(n).slice(-2)) {
      const found = await s.scim(
        'GET',
        `/Users?filter=${encodeURIComponent(`phoneNumbers.value eq "${p.value}"`)}`,
      );
      assert.deepEqual(
        found.body.Resources.map((u: { id: string }) => u.id),
        [r.body.id],
      );
    }
    // A replace rewrites them through the same inserts.
    const put = await s.scim('PUT', `/Users/${r.body.id}`, user(Math.max(0, n - 1)));
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(await stored(r.body.id), expected(Math.max(0, n - 1)));
  }
});
