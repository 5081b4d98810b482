/**
 * Prototype-poisoned JSON is refused by name (json_forbidden_key), not as a syntax error,
 * and nothing of it is applied; real syntax errors still say so.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';

const API = '/api/people/v2';

describe('JSON bodies with prototype-poisoning keys', () => {
  let s: TestServer;
  let id: number;
  before(async () => {
    s = await startTestServer();
    id = (
      await s.app.core.people.create(SYSTEM_ACTOR, {
        username: 'poisoned',
        firstname: 'P',
        surname: 'Q',
        email: 'poisoned@example.org',
      })
    ).id;
  });
  after(async () => {
    await s.close();
  });
  const send = (path: string, raw: string, method = 'PATCH') =>
    s.request(method, path, { raw, headers: { 'content-type': 'application/json' } });

  it('a "__proto__" key is refused with a sentence naming it and where it is', async () => {
    const r = await send(`${API}/users/${id}`, '{"job_title":"x","__proto__":{"admin":true}}');
    assert.equal(r.status, 400);
    assert.equal(r.body.type, 'json_forbidden_key');
    assert.match(r.body.error, /"__proto__" at body\.__proto__/);
    assert.doesNotMatch(r.body.error, /not valid JSON/);
    assert.notEqual((await s.app.core.people.findByUsername('poisoned'))?.job_title, 'x');
  });

  it('"constructor" holding "prototype" too, nested, and on the console\'s routes', async () => {
    const r = await send(`${API}/users/${id}`, '{"profile":{"constructor":{"prototype":{"x":1}}}}');
    assert.equal(r.body.type, 'json_forbidden_key');
    assert.match(r.body.error, /body\.profile\.constructor\.prototype/);
    const signIn = await send('/api/session', '{"username":"a","__proto__":{}}', 'POST');
    assert.equal(signIn.status, 400);
    assert.equal(signIn.body.type, 'json_forbidden_key');
  });

  it('a syntax error is still a syntax error; "constructor" as a plain field is accepted', async () => {
    const bad = await send(`${API}/users/${id}`, '{"job_title":');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.type, 'bad_request');
    assert.match(bad.body.error, /not valid JSON/);
    const plain = await send(`${API}/users/${id}`, '{"job_title":"constructor"}');
    assert.equal(plain.status, 200, plain.text);
  });
});
