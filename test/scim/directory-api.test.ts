/** POST /directories with type scim: the URL and token once, the default mapping owned; the IdP works with just those. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
  await s.app.core.grants.set(SYSTEM_ACTOR, s.adminId, 'sysadmin', true);
});
after(() => s.close());

test('a SCIM directory answers its URL and token once; they are all an IdP needs', async () => {
  const r = await s.request('POST', '/api/people/v2/directories', {
    body: { type: 'scim', name: 'Entra ID' },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.scim_url, `${s.url}/scim/v2`);
  assert.match(r.body.token, /^ghs_/);
  assert.ok(r.body.owned_fields.includes('email'));
  assert.ok(r.body.owned_fields.includes('firstname'));
  const again = await s.request('GET', `/api/people/v2/directories/${r.body.id}`);
  assert.equal(again.body.token, undefined);
  const u = await fetch(`${r.body.scim_url}/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${r.body.token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      userName: 'kim@contoso.com',
      name: { givenName: 'Kim', familyName: 'Lee' },
      emails: [{ value: 'kim@contoso.com', type: 'work', primary: true }],
    }),
  });
  assert.equal(u.status, 201, await u.clone().text());
  // The synced account's mapped fields are owned: the People API refuses to change them.
  const user = (await u.json()) as { id: string };
  const personId = (await s.app.core.directorySync.personFor(r.body.id, user.id))!;
  const p = await s.request('PATCH', `/api/people/v2/users/${personId}`, {
    body: { firstname: 'X' },
  });
  assert.equal(p.status, 409);
  assert.equal(p.body.type, 'field_owned_by_directory');
});
