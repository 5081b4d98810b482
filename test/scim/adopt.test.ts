/** A create for a local account's username: adopted when the directory allows, else 409 uniqueness. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startScimServer, oktaUser, type ScimServer } from './helpers.ts';

let s: ScimServer;
before(async () => {
  s = await startScimServer({ adopt: false });
});
after(() => s.close());

// A valid email: an adoption is held to the field rules of any change (it once skipped them,
// and this test's email "sam.local" went in unchecked).
const SAM = () =>
  oktaUser('sam.local', {
    emails: [{ primary: true, value: 'sam.local@example.org', type: 'work' }],
  });

test('adoption of local accounts follows the directory setting', async () => {
  const local = await s.makeUser('sam.local');
  let r = await s.scim('POST', '/Users', SAM());
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.scimType, 'uniqueness');
  assert.equal((await s.app.core.people.row(local.id)).directory_id, null);

  const adopting = await s.addDirectory('Adopting IdP', true);
  r = await s.scim('POST', '/Users', SAM(), { token: adopting.token });
  assert.equal(r.status, 201, r.text);
  assert.equal(await s.app.core.directorySync.personFor(adopting.id, r.body.id), local.id);
  const p = await s.app.core.people.row(local.id);
  assert.equal(p.directory_id, adopting.id);
  assert.equal(p.password_authority, 'directory');
});

test('an adoption with an invalid field is refused, and the local account stays local', async () => {
  const local = await s.makeUser('ivy.local');
  const adopting = await s.addDirectory('Strict IdP', true);
  const r = await s.scim('POST', '/Users', oktaUser('ivy.local'), { token: adopting.token });
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.detail as string, /email/);
  assert.equal((await s.app.core.people.row(local.id)).directory_id, null);
});
