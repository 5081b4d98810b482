/**
 * SSO endpoints are rate limited per client address like sign-in, with their own setting
 * (GATEHOUSE_SSO_RATE_PER_MINUTE): the other SSO tests raise it out of the way, so this one
 * proves the limit exists, covers the login start, the OIDC callback and the SAML ACS, and
 * leaves password sign-in to its own limit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';

describe('SSO rate limit', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      GATEHOUSE_SSO_RATE_PER_MINUTE: '3',
      GATEHOUSE_SIGNIN_RATE_PER_MINUTE: '20',
    });
  });
  after(() => s.close());

  const endpoints: [string, string, string | undefined][] = [
    ['GET', '/sso/999/login?return_to=/', undefined],
    ['GET', '/sso/999/callback?code=x&state=y', undefined],
    ['POST', '/sso/999/acs', 'SAMLResponse=eA%3D%3D&RelayState=z'],
  ];
  for (const [method, path, form] of endpoints) {
    it(`${method} ${path.split('?')[0]}: the 4th request in a minute is 429 rate_limited`, async () => {
      const send = () =>
        fetch(`${s.url}${path}`, {
          method,
          redirect: 'manual',
          ...(form
            ? { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }
            : {}),
        });
      for (let i = 0; i < 3; i++) {
        const r = await send();
        assert.notEqual(r.status, 429, `request ${i + 1}`);
        await r.arrayBuffer();
      }
      const fourth = await send();
      assert.equal(fourth.status, 429);
      assert.match(await fourth.text(), /rate_limited|Too many requests/);
    });
  }

  it('password sign-in keeps its own limit once the SSO limit is reached', async () => {
    const r = await s.request('POST', '/api/session', {
      key: null,
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
});
