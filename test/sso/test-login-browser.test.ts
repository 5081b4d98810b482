/**
 * The Login handler page's "Test login", walked in Chromium by a login-handler
 * administrator signed in with their password: through SimpleSAMLphp as themselves, back on
 * the page with the decision and its reason and who is signed in (what the page promises);
 * then through oidc-provider as someone with no account, where the refusal page gives the
 * sentence and the reason, the administrator's own session is untouched, and the refusal
 * is at the top of the page's recent decisions.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { connectSaml, simpleSamlPhp, type SamlConnection } from '../helpers/simplesamlphp.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { openBrowser, type TestBrowser } from '../browser/browser.ts';

describe("the Login handler page's test login, in a browser", () => {
  let b: TestBrowser;
  let s: TestServer;
  let saml: SamlConnection;
  let op: TestOidcProvider;
  let oidcId: number;
  // The administrator's username at Gatehouse and at the SAML IdP (matched by username).
  const admin = `tester${process.pid}`;
  const idpPassword = 'tester-idp-pw';

  before(async () => {
    b = await openBrowser();
    s = await startTestServer({ GATEHOUSE_SECRET_KEY: '9e'.repeat(32) });
    const made = await s.makeUser(admin, ['login_handler_admin', 'people_admin']);
    assert.ok(made.id);
    const idp = await simpleSamlPhp();
    saml = await connectSaml(s, idp, { provider: { provision_on_first_login: false } });
    idp.addUser(admin, idpPassword, {
      mail: [`${admin}@idp.example`],
      givenName: ['Tess'],
      sn: ['Tester'],
    });
    op = await startOidcProvider();
    const r = await s.request('POST', '/api/people/v2/identity-providers', {
      body: {
        type: 'oidc',
        name: 'Company OP',
        issuer: op.issuer,
        client_id: 'test-login',
        client_secret: 'test-login-secret-0123456789abcdef',
        attribute_mapping: { username: 'preferred_username', email: 'email' },
        provision_on_first_login: false,
      },
    });
    assert.equal(r.status, 201, r.text);
    oidcId = r.body.id as number;
    op.start([
      {
        client_id: 'test-login',
        client_secret: 'test-login-secret-0123456789abcdef',
        redirect_uris: [`${s.url}/sso/${oidcId}/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ]);
    op.addAccount({
      sub: 'op-newcomer',
      claims: {
        preferred_username: 'newcomer',
        email: 'newcomer@example.org',
        email_verified: true,
      },
    });
  });
  after(async () => {
    await b?.close();
    await op?.close();
    await s?.close();
  });

  async function whoAmI(): Promise<string | number> {
    return b.page.evaluate(async () => {
      const r = await fetch('/api/session');
      return r.ok ? ((await r.json()) as { user: { username: string } }).user.username : r.status;
    });
  }

  it('SAML: the administrator tests the login as themselves and comes back to the decision and its reason', async () => {
    const page = b.page;
    // Signed in the local way first (a session of their own, as when setting SSO up).
    await page.goto(`${s.url}/sign-in?no_auto=1&next=%2Flogin-handler`);
    await page.getByLabel('Username').fill(admin);
    await page.getByLabel('Password').fill('user-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Login handler' }).waitFor();
    await page
      .getByText(/^Test login signs in through the provider as whoever signs in there/)
      .waitFor();
    await page.getByRole('link', { name: 'Test login through SimpleSAMLphp' }).click();
    // SimpleSAMLphp's own form, then its auto-submitted POST back to our ACS.
    await page.waitForURL((u) => !u.toString().startsWith(s.url));
    await page.locator('input[name="username"]').fill(admin);
    await page.locator('input[name="password"]').fill(idpPassword);
    await Promise.all([
      page.waitForURL(`${s.url}/login-handler?test_login=${saml.providerId}`, { timeout: 20_000 }),
      page.locator('input[name="password"]').press('Enter'),
    ]);
    const result = page.getByTestId('test-login-result');
    await result.waitFor();
    // What the page promises: the test's provider, the decision and its reason, who is signed in.
    await result.getByText('Test login through SimpleSAMLphp').waitFor();
    assert.equal(await result.locator('.mantine-Badge-root').textContent(), 'Signed in');
    await result.getByText(`Signed in as ${admin} (matched by username ${admin}).`).waitFor();
    await result.getByText(`You are signed in as ${admin}.`).waitFor();
    await b.shot('sso-test-login-result');
    assert.equal(await whoAmI(), admin);
    // And the same decision is the first of the recent ones.
    const firstRow = page.getByRole('row').nth(1);
    assert.match(
      (await firstRow.innerText()) ?? '',
      new RegExp(`signed_in\\s+Signed in as ${admin} \\(matched by username ${admin}\\)\\.`),
    );
  });

  it('OIDC: a test login of someone without an account shows the refusal page with its reason; the administrator stays signed in', async () => {
    const page = b.page;
    op.nextLogin('op-newcomer');
    await page.goto(`${s.url}/login-handler`);
    await page.getByRole('heading', { level: 1, name: 'Login handler' }).waitFor();
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${s.url}/sso/${oidcId}/callback`)),
      page.getByRole('link', { name: 'Test login through Company OP' }).click(),
    ]);
    assert.equal(answer.status(), 403);
    await page.getByRole('heading', { level: 1, name: 'No account for you yet' }).waitFor();
    assert.equal(
      await page.getByTestId('sso-message').innerText(),
      'No account exists for you, and this site does not create accounts at first login. Ask your People administrators for an account.',
    );
    assert.equal(
      await page.getByTestId('sso-reason').innerText(),
      'No account exists for newcomer, and this site does not create accounts at first login ("Allow users to be provisioned on first login" is No).',
    );
    await b.shot('sso-test-login-refused');
    // Nobody was made, and the refusal left the administrator's session alone.
    assert.equal(await s.app.core.people.findByUsername('newcomer'), undefined);
    assert.equal(await whoAmI(), admin);
    await page.goto(`${s.url}/login-handler`);
    const firstRow = page.getByRole('row').nth(1);
    await firstRow.getByText('refused').waitFor();
    assert.match(
      await firstRow.innerText(),
      /refused\s+No account exists for newcomer, and this site does not create accounts/,
    );
  });
});
