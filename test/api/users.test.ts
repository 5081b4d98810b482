import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('People API v2: /users', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('creates a person and returns it with an ETag and Location', async () => {
    const r = await s.request('POST', '/api/people/v2/users', {
      body: {
        username: 'jdoe',
        firstname: 'Jane',
        surname: 'Doe',
        email: 'jane@example.org',
        password: 'a-long-password',
      },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.username, 'jdoe');
    assert.equal(r.body.origin, 'api');
    assert.equal(r.headers.get('etag'), `"${r.body.id}.1"`);
    assert.match(r.headers.get('location') ?? '', new RegExp(`/api/people/v2/users/${r.body.id}$`));
  });

  it('answers 409 for a username that differs only in case, width or spaces', async () => {
    const r = await s.request('POST', '/api/people/v2/users', {
      body: { username: ' ＪDOE ', firstname: 'J', surname: 'D', email: 'other@example.org' },
    });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.body.type, 'username_taken');
    assert.equal(r.body.code, 409);
  });

  it('50 concurrent creates of one username: exactly one 201, the rest 409', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        s.request('POST', '/api/people/v2/users', {
          body: {
            username: 'racer',
            firstname: 'R',
            surname: String(i),
            email: `racer${i}@example.org`,
          },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.equal(statuses.filter((x) => x === 201).length, 1, JSON.stringify(statuses));
    assert.equal(statuses.filter((x) => x === 409).length, 49);
  });

  it('rejects unknown properties and wrong types with field errors', async () => {
    const r = await s.request('POST', '/api/people/v2/users', {
      body: {
        username: 'x1',
        firstname: 'X',
        surname: 'Y',
        email: 'x1@example.org',
        shoe_size: 9,
        manager_id: 'seven',
      },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.type, 'validation_failed');
    const fields = r.body.fields.map((f: { field: string }) => f.field).sort();
    assert.deepEqual(fields, ['manager_id', 'shoe_size']);
  });
});
