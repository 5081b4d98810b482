/**
 * Sign-out's last step (/sso/logout) without a provider logout URL lands on the sign-in form
 * with ?no_auto=1. Regression: it went to plain /sign-in, where a seamless provider sends the
 * person straight back to the IdP, which signs them in again: sign-out seemed to do nothing.
 * (With a logout URL, test/sso/saml.test.ts follows it to the provider.)
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

it('sign-out without a provider logout URL shows the sign-in form, not a seamless IdP', async () => {
  const r = await fetch(`${s.url}/sso/logout`, { redirect: 'manual' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/sign-in?no_auto=1');
});
