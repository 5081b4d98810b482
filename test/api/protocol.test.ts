/**
 * People API v2, the protocol: pagination, search and filters, the error shape, request
 * validation, body limits, content types, ETags, security headers, request ids, health.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';

const API = '/api/people/v2';

function assertErrorShape(body: unknown, status: number, type: string): void {
  const b = body as Record<string, unknown>;
  assert.equal(b.code, status, JSON.stringify(b));
  assert.equal(b.type, type, JSON.stringify(b));
  assert.equal(typeof b.error, 'string');
  assert.ok((b.error as string).length > 10, 'the error says what to do');
  assert.ok(!JSON.stringify(b).includes('    at '), 'no stack trace');
}

describe('People API v2: pagination, search and filters', () => {
  let s: TestServer;
  const ids: number[] = [];
  before(async () => {
    s = await startTestServer();
    // 45 people besides the admin; no passwords (hashing is slow and not the point here).
    for (let i = 0; i < 45; i++) {
      const p = await s.app.core.people.create(SYSTEM_ACTOR, {
        username: `p${String(i).padStart(2, '0')}`,
        firstname: i === 7 ? 'Zebedee' : `First${i}`,
        surname: i === 8 ? 'Quixote' : `Sur${i}`,
        email: i === 9 ? 'unique.mailbox@corp.example' : `p${i}@example.org`,
        department: i % 3 === 0 ? 'Sales' : 'Engineering',
      });
      ids.push(p.id);
    }
  });
  after(() => s.close());

  it('defaults to offset 0, limit 20, with total and absolute next/prev links', async () => {
    const r = await s.request('GET', `${API}/users`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body).sort(), ['data', 'pagination']);
    assert.equal(r.body.data.length, 20);
    const p = r.body.pagination;
    assert.equal(p.offset, 0);
    assert.equal(p.limit, 20);
    assert.equal(p.total, 46);
    assert.equal(p.prev, null);
    const next = new URL(p.next);
    assert.equal(next.origin, s.url);
    assert.equal(next.pathname, `${API}/users`);
    assert.equal(next.searchParams.get('offset'), '20');
    assert.equal(next.searchParams.get('limit'), '20');
  });

  it('follows next links to the end: every person once, prev on later pages, next null at the end', async () => {
    const seen: number[] = [];
    let url: string | null = `${API}/users?limit=15&department=Engineering&sort=id`;
    let pages = 0;
    while (url !== null) {
      const r = await s.request('GET', url.replace(s.url, ''));
      assert.equal(r.status, 200, r.text);
      pages++;
      seen.push(...r.body.data.map((u: { id: number }) => u.id));
      for (const u of r.body.data) assert.equal(u.department, 'Engineering');
      const p = r.body.pagination;
      if (p.offset > 0) {
        const prev = new URL(p.prev);
        assert.equal(prev.searchParams.get('offset'), String(Math.max(0, p.offset - 15)));
        assert.equal(prev.searchParams.get('department'), 'Engineering');
      } else assert.equal(p.prev, null);
      if (p.next !== null) {
        // other query parameters are kept
        const next = new URL(p.next);
        assert.equal(next.searchParams.get('department'), 'Engineering');
        assert.equal(next.searchParams.get('sort'), 'id');
        assert.equal(next.searchParams.get('limit'), '15');
      }
      url = p.next;
    }
    assert.equal(pages, 2); // 30 engineers
    assert.equal(seen.length, 30);
    assert.equal(new Set(seen).size, 30);
  });

  it('accepts limit 200 and refuses 201, 0, negative offsets and non-numbers with field errors', async () => {
    const ok = await s.request('GET', `${API}/users?limit=200`);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.data.length, 46);
    assert.equal(ok.body.pagination.next, null);
    for (const q of ['limit=201', 'limit=0', 'offset=-1', 'limit=ten']) {
      const r = await s.request('GET', `${API}/users?${q}`);
      assert.equal(r.status, 400, q);
      assertErrorShape(r.body, 400, 'validation_failed');
      const field = q.split('=')[0];
      assert.ok(
        r.body.fields.some((f: { field: string }) => f.field === `querystring.${field}`),
        JSON.stringify(r.body.fields),
      );
    }
  });

  it('the total is the same on a full page, a part-filled last page, an empty page and past the end', async () => {
    // 15 people in Sales. A page that is not full tells the total without counting (SQLite
    // skips the count then); the others count.
    for (const [offset, limit, rows] of [
      [0, 10, 10],
      [10, 10, 5],
      [0, 20, 15],
      [15, 10, 0],
      [100, 10, 0],
    ] as const) {
      const r = await s.request(
        'GET',
        `${API}/users?department=Sales&offset=${offset}&limit=${limit}`,
      );
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.data.length, rows, `offset ${offset} limit ${limit}`);
      assert.equal(r.body.pagination.total, 15, `offset ${offset} limit ${limit}`);
    }
  });

  it('an offset past the end gives an empty page with a prev link', async () => {
    const r = await s.request('GET', `${API}/users?offset=100`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, []);
    assert.equal(r.body.pagination.next, null);
    assert.notEqual(r.body.pagination.prev, null);
  });

  it('search pages walk every match once, in id order, with the same total at any offset', async () => {
    // "p" matches the 45 people; a page near the start is found by walking the table, a page
    // near the end (few matches left relative to its end) from the search index on SQLite.
    const seen: number[] = [];
    for (let offset = 0; offset < 50; offset += 5) {
      const r = await s.request('GET', `${API}/users?q=p&limit=5&offset=${offset}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.pagination.total, 45, `offset ${offset}`);
      seen.push(...r.body.data.map((u: { id: number }) => u.id));
    }
    assert.deepEqual(seen, ids);
    const sparse = await s.request('GET', `${API}/users?q=quixote&limit=5&offset=0`);
    assert.deepEqual(
      sparse.body.data.map((u: { username: string }) => u.username),
      ['p08'],
    );
    assert.equal(sparse.body.pagination.total, 1);
  });

  it('search follows every write: a rename is found under the new name only, a deleted person not at all', async () => {
    const found = async (q: string) =>
      (await s.request('GET', `${API}/users?q=${q}`)).body.data.map(
        (u: { username: string }) => u.username,
      );
    const p = await s.app.core.people.create(SYSTEM_ACTOR, {
      username: 'renamed',
      firstname: 'Ottoline',
      surname: 'Before',
      email: 'rp@example.net',
    });
    assert.deepEqual(await found('ottoline'), ['renamed']);
    await s.app.core.people.update(SYSTEM_ACTOR, p.id, { firstname: 'Wilhelmina' });
    assert.deepEqual(await found('ottoline'), []);
    assert.deepEqual(await found('wilhelmina'), ['renamed']);
    await s.app.core.people.delete(SYSTEM_ACTOR, p.id);
    assert.deepEqual(await found('wilhelmina'), []);
    assert.deepEqual(await found('renamed'), []);
  });

  it('searches names, username and email with q=', async () => {
    const by = async (q: string) =>
      (await s.request('GET', `${API}/users?q=${encodeURIComponent(q)}`)).body.data.map(
        (u: { username: string }) => u.username,
      );
    assert.deepEqual(await by('zebedee'), ['p07']);
    assert.deepEqual(await by('QUIXOTE'), ['p08']);
    assert.deepEqual(await by('unique.mailbox'), ['p09']);
    assert.deepEqual(await by('p44'), ['p44']);
    assert.deepEqual(await by('no-such-person'), []);
    // LIKE wildcards are taken literally
    assert.deepEqual(await by('%'), []);
    assert.deepEqual(await by('_'), []);
  });

  it('filters by state, directory, origin, department and extranet', async () => {
    await s.app.core.people.block(SYSTEM_ACTOR, ids[0]!, 'left');
    const ex = await s.request('POST', `${API}/extranets`, { body: { name: 'Partners' } });
    assert.equal(ex.status, 201);
    const moved = await s.request('PATCH', `${API}/users/${ids[1]}`, {
      body: { extranet_id: ex.body.id },
    });
    assert.equal(moved.status, 200, moved.text);
    const viaApi = await s.request('POST', `${API}/users`, {
      body: { username: 'apimade', firstname: 'A', surname: 'M', email: 'apimade@example.org' },
    });
    assert.equal(viaApi.status, 201);
    const dir = await s.app.core.directories.create(SYSTEM_ACTOR, {
      name: 'Corp',
      kind: 'ldap',
      owned_fields: [],
    });
    const synced = await s.app.core.people.create(
      { ...SYSTEM_ACTOR, gate: 'ldap', directoryId: dir.id },
      {
        username: 'synced1',
        firstname: 'S',
        surname: 'One',
        email: 's1@example.org',
        directory_id: dir.id,
      },
    );

    const names = async (q: string) => {
      const r = await s.request('GET', `${API}/users?limit=200&${q}`);
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      return r.body.data.map((u: { username: string }) => u.username) as string[];
    };
    assert.deepEqual(await names('state=blocked'), ['p00']);
    assert.ok(!(await names('state=active')).includes('p00'));
    assert.deepEqual(await names(`extranet=${ex.body.id}`), ['p01']);
    assert.ok(!(await names('extranet=primary')).includes('p01'));
    assert.deepEqual(await names('origin=api'), ['apimade']);
    assert.deepEqual(await names(`directory=${dir.id}`), ['synced1']);
    assert.ok(!(await names('directory=local')).includes(synced.username));
    assert.equal((await names('department=Sales')).length, 15);
    assert.deepEqual(await names('department=Sales&q=p03'), ['p03']);
    for (const bad of ['state=gone', 'origin=fax', 'directory=abc', 'extranet=-1', 'sort=shoe']) {
      const r = await s.request('GET', `${API}/users?${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.type, 'validation_failed');
    }
    const unknownParam = await s.request('GET', `${API}/users?colour=blue`);
    assert.equal(unknownParam.status, 400);
  });

  it('pages groups, roles, extranets, API keys and the audit log the same way', async () => {
    for (const path of ['groups', 'roles', 'extranets', 'api-keys', 'audit']) {
      const r = await s.request('GET', `${API}/${path}?limit=1`);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.deepEqual(Object.keys(r.body.pagination).sort(), [
        'limit',
        'next',
        'offset',
        'prev',
        'total',
      ]);
      assert.equal(r.body.pagination.limit, 1);
      const bad = await s.request('GET', `${API}/${path}?limit=201`);
      assert.equal(bad.status, 400, path);
    }
  });
});

describe('People API v2: errors and validation', () => {
  let s: TestServer;
  let small: TestServer;
  before(async () => {
    s = await startTestServer();
    small = await startTestServer({ GATEHOUSE_BODY_LIMIT_BYTES: '2048' });
  });
  after(async () => {
    await s.close();
    await small.close();
  });

  const person = (u: string) => ({
    username: u,
    firstname: 'F',
    surname: 'S',
    email: `${u}@example.org`,
  });

  it('missing required fields and wrong types are named in "fields"', async () => {
    const r = await s.request('POST', `${API}/users`, {
      body: { username: 5, firstname: 'F', email: 'x@example.org', profile: 'no' },
    });
    assertErrorShape(r.body, 400, 'validation_failed');
    const fields = r.body.fields.map((f: { field: string }) => f.field).sort();
    assert.deepEqual(fields, ['profile', 'surname', 'username']);
    for (const f of r.body.fields) assert.ok(f.message.length > 3);
  });

  it('strings are not coerced to numbers or booleans in bodies', async () => {
    const r = await s.request('POST', `${API}/users`, {
      body: { ...person('coerce'), must_change_password: 'true', extranet_id: '1' },
    });
    assert.equal(r.status, 400);
    const fields = r.body.fields.map((f: { field: string }) => f.field).sort();
    assert.deepEqual(fields, ['extranet_id', 'must_change_password']);
  });

  it('core field checks give field errors too (bad email, empty names)', async () => {
    const r = await s.request('POST', `${API}/users`, {
      body: { username: 'bad1', firstname: '  ', surname: 'S', email: 'not-an-email' },
    });
    assertErrorShape(r.body, 400, 'validation_failed');
    const fields = r.body.fields.map((f: { field: string }) => f.field).sort();
    assert.ok(fields.includes('email'), JSON.stringify(r.body));
    assert.ok(fields.includes('firstname'), JSON.stringify(r.body));
  });

  it('malformed JSON is 400 bad_request; an empty JSON body is 400', async () => {
    const r = await s.request('POST', `${API}/users`, {
      raw: '{"username": "x",',
      headers: { 'content-type': 'application/json' },
    });
    assertErrorShape(r.body, 400, 'bad_request');
    assert.match(r.body.error, /JSON/);
    const empty = await s.request('POST', `${API}/users`, {
      raw: '',
      headers: { 'content-type': 'application/json' },
    });
    assertErrorShape(empty.body, 400, 'validation_failed');
  });

  it('a bodyless DELETE sent with a JSON content type works (clients that always send one)', async () => {
    const p = await s.app.core.people.create(SYSTEM_ACTOR, {
      username: 'deleted-by-json-client',
      firstname: 'D',
      surname: 'J',
      email: 'dj@example.net',
    });
    const r = await s.request('DELETE', `${API}/users/${p.id}`, {
      raw: '',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(r.status, 204, r.text);
  });

  it('a JSON body with __proto__ or constructor.prototype is refused (prototype poisoning)', async () => {
    for (const raw of [
      '{"username":"pp","__proto__":{"admin":true}}',
      '{"username":"pp","constructor":{"prototype":{"admin":true}}}',
    ]) {
      const r = await s.request('POST', `${API}/users`, {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(r.status, 400, raw);
      // Named as such (not "not valid JSON", which sent people looking for a syntax error).
      assert.equal(r.body.type, 'json_forbidden_key', r.text);
    }
  });

  it('a non-JSON content type is 415', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const r = await s.request('POST', `${API}/users`, {
        raw: 'username=x',
        headers: { 'content-type': type },
      });
      assert.equal(r.status, 415, `${type}: ${r.text}`);
      assertErrorShape(r.body, 415, 'unsupported_media_type');
    }
    const form = new FormData();
    form.set('username', 'x');
    const multipart = await s.request('POST', `${API}/users`, { raw: form });
    assert.equal(multipart.status, 415, multipart.text);
    assert.equal(multipart.body.type, 'unsupported_media_type');
    const session = await s.request('POST', '/api/session', {
      raw: 'username=admin',
      headers: { 'content-type': 'text/plain' },
      key: null,
    });
    assert.equal(session.status, 415, session.text);
  });

  it('a body over GATEHOUSE_BODY_LIMIT_BYTES is 413, and nothing is created', async () => {
    const r = await small.request('POST', `${API}/users`, {
      body: { ...person('huge'), job_title: 'x'.repeat(150), office: 'y'.repeat(3000) },
    });
    assert.equal(r.status, 413, r.text);
    assertErrorShape(r.body, 413, 'payload_too_large');
    const list = await small.request('GET', `${API}/users?q=huge`);
    assert.equal(list.body.pagination.total, 0);
    // just under the limit is fine
    const ok = await small.request('POST', `${API}/users`, { body: person('small') });
    assert.equal(ok.status, 201);
  });

  it('unknown ids are 404 not_found for every kind of resource', async () => {
    for (const path of [
      'users/999999',
      'users/999999/groups',
      'users/999999/roles',
      'users/999999/subordinates',
      'users/999999/photo',
      'users/999999/grants',
      'groups/999999',
      'groups/999999/users',
      'roles/999999',
      'extranets/999999',
      'profile-fields/999999',
    ]) {
      const r = await s.request('GET', `${API}/${path}`);
      assert.equal(r.status, 404, `${path}: ${r.text}`);
      assertErrorShape(r.body, 404, 'not_found');
    }
    for (const [method, path, body] of [
      ['PATCH', 'users/999999', { job_title: 'x' }],
      ['DELETE', 'users/999999', undefined],
      ['PUT', 'users/999999/password', { password: 'a-good-long-password' }],
      ['PUT', 'users/999999/manager', { manager_id: null }],
      ['POST', 'users/999999/block', {}],
      ['PATCH', 'groups/999999', { name: 'x' }],
      ['DELETE', 'roles/999999', undefined],
      ['DELETE', 'api-keys/999999', undefined],
    ] as const) {
      const r = await s.request(method, `${API}/${path}`, { body });
      assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.type, 'not_found');
    }
  });

  it('a non-numeric id is 400, not 404 or 500', async () => {
    const r = await s.request('GET', `${API}/users/abc`);
    assertErrorShape(r.body, 400, 'validation_failed');
    const zero = await s.request('GET', `${API}/users/0`);
    assert.equal(zero.status, 400);
  });

  it('an unknown route is 404 route_not_found, with or without credentials', async () => {
    for (const key of [undefined, null]) {
      const r = await s.request('GET', `${API}/nothing-here`, { key });
      assert.equal(r.status, 404);
      assertErrorShape(r.body, 404, 'route_not_found');
      assert.match(r.body.error, /openapi\.json/);
    }
    const r = await s.request('PATCH', `${API}/user`);
    assert.equal(r.body.type, 'route_not_found');
  });

  it('409 for conflicts: username, email, user code, names of groups', async () => {
    const a = await s.request('POST', `${API}/users`, {
      body: { ...person('first'), user_code: 'E-1' },
    });
    assert.equal(a.status, 201);
    const dupEmail = await s.request('POST', `${API}/users`, {
      body: { ...person('second'), email: 'FIRST@example.org' },
    });
    assertErrorShape(dupEmail.body, 409, 'email_taken');
    const dupCode = await s.request('POST', `${API}/users`, {
      body: { ...person('third'), user_code: 'E-1' },
    });
    assertErrorShape(dupCode.body, 409, 'user_code_taken');
    const g = await s.request('POST', `${API}/groups`, { body: { name: 'Team' } });
    assert.equal(g.status, 201);
    const dupGroup = await s.request('POST', `${API}/groups`, { body: { name: 'team' } });
    assertErrorShape(dupGroup.body, 409, 'name_taken');
  });

  it('every person carries an ETag "id.version"; a stale If-Match is 412 and changes nothing', async () => {
    const c = await s.request('POST', `${API}/users`, { body: person('etag') });
    const id = c.body.id;
    const e1 = `"${id}.1"`;
    assert.equal(c.headers.get('etag'), e1);
    const g = await s.request('GET', `${API}/users/${id}`);
    assert.equal(g.headers.get('etag'), e1);
    const u = await s.request('PATCH', `${API}/users/${id}`, {
      body: { job_title: 'One' },
      headers: { 'if-match': e1 },
    });
    assert.equal(u.status, 200);
    assert.equal(u.headers.get('etag'), `"${id}.2"`);
    assert.equal(u.body.version, 2);
    for (const [method, path, body] of [
      ['PATCH', `users/${id}`, { job_title: 'Two' }],
      ['PUT', `users/${id}`, { job_title: 'Two' }],
      ['PUT', `users/${id}/manager`, { manager_id: s.adminId }],
      ['POST', `users/${id}/block`, {}],
      ['DELETE', `users/${id}`, undefined],
    ] as const) {
      const r = await s.request(method, `${API}/${path}`, { body, headers: { 'if-match': e1 } });
      assert.equal(r.status, 412, `${method} ${path}: ${r.text}`);
      assertErrorShape(r.body, 412, 'precondition_failed');
    }
    // an ETag of another person is refused too
    const other = await s.request('PATCH', `${API}/users/${id}`, {
      body: { job_title: 'Two' },
      headers: { 'if-match': `"${s.adminId}.2"` },
    });
    assert.equal(other.status, 412);
    const after = await s.request('GET', `${API}/users/${id}`);
    assert.equal(after.body.job_title, 'One');
    assert.equal(after.body.state, 'active');
    assert.equal(after.body.version, 2);
    const star = await s.request('PATCH', `${API}/users/${id}`, {
      body: { job_title: 'Three' },
      headers: { 'if-match': '*' },
    });
    assert.equal(star.status, 200);
  });
});

describe('HTTP: headers, request ids, health, OpenAPI', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('sets security headers on API answers, errors and the console page', async () => {
    for (const [path, key] of [
      [`${API}/user`, undefined],
      [`${API}/user`, null],
      [`${API}/nope`, undefined],
      ['/', null],
    ] as const) {
      const r = await s.request('GET', path, { key });
      const csp = r.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
      assert.ok(r.headers.get('x-frame-options'), path);
    }
  });

  it('echoes a well-formed X-Request-Id, replaces a bad one, and puts it in error bodies', async () => {
    const r = await s.request('GET', `${API}/user`, { headers: { 'x-request-id': 'abc-123.X' } });
    assert.equal(r.headers.get('x-request-id'), 'abc-123.X');
    const bad = await s.request('GET', `${API}/user`, {
      headers: { 'x-request-id': 'evil value\twith <stuff>' },
    });
    const given = bad.headers.get('x-request-id') ?? '';
    assert.match(given, /^[0-9a-f-]{36}$/);
    const none = await s.request('GET', `${API}/users/999999`);
    assert.equal(none.body.request_id, none.headers.get('x-request-id'));
    const withId = await s.request('GET', `${API}/users/999999`, {
      headers: { 'x-request-id': 'trace-42' },
    });
    assert.equal(withId.body.request_id, 'trace-42');
  });

  it('GET /healthz is 200 without credentials', async () => {
    const r = await s.request('GET', '/healthz', { key: null });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ok');
  });

  it('the OpenAPI 3.1 document lists every People API endpoint', async () => {
    const r = await s.request('GET', `${API}/openapi.json`);
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.1.0');
    const paths = Object.keys(r.body.paths);
    for (const p of [
      '/api/people/v2/user',
      '/api/people/v2/user/password',
      '/api/people/v2/users',
      '/api/people/v2/users/{id}',
      '/api/people/v2/users/{id}/password',
      '/api/people/v2/users/{id}/manager',
      '/api/people/v2/users/{id}/subordinates',
      '/api/people/v2/users/{id}/groups',
      '/api/people/v2/users/{id}/roles',
      '/api/people/v2/users/{id}/photo',
      '/api/people/v2/users/{id}/block',
      '/api/people/v2/users/{id}/unblock',
      '/api/people/v2/users/{id}/unfreeze',
      '/api/people/v2/users/{id}/grants',
      '/api/people/v2/groups',
      '/api/people/v2/groups/{id}',
      '/api/people/v2/groups/{id}/users',
      '/api/people/v2/roles/{id}/users',
      '/api/people/v2/extranets/{id}/users',
      '/api/people/v2/profile-fields/{id}',
      '/api/people/v2/api-keys/{id}',
      '/api/people/v2/audit',
      '/api/people/v2/audit/export',
      '/api/people/v2/settings/password-policy',
    ])
      assert.ok(paths.includes(p), `${p} missing from ${paths.join(' ')}`);
  });
});
