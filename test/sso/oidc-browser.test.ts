/**
 * A walk in Chromium from the sign-in page's IdP button to the signed-in console, through a
 * real OpenID Provider; then the console's Login handler page with the decision recorded;
 * then a seamless provider, and the `?no_auto=1` bypass through the console's redirects.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { openBrowser, type TestBrowser } from '../browser/browser.ts';

describe('OIDC sign-in in a browser', () => {
  let s: TestServer;
  let op: TestOidcProvider;
  let b: TestBrowser;
  let id: number;

  before(async () => {
    b = await openBrowser();
    s = await startTestServer({ GATEHOUSE_SECRET_KEY: 'cd'.repeat(32) });
    op = await startOidcProvider();
    const r = await s.request('POST', '/api/people/v2/identity-providers', {
      body: {
        type: 'oidc',
        name: 'Company OP',
        button_text: 'Sign in with Company OP',
        issuer: op.issuer,
        client_id: 'browser',
        client_secret: 'browser-secret-0123456789abcdef01',
        attribute_mapping: {
          username: 'preferred_username',
          email: 'email',
          firstname: 'given_name',
          surname: 'family_name',
        },
      },
    });
    assert.equal(r.status, 201, r.text);
    id = r.body.id;
    op.start([
      {
        client_id: 'browser',
        client_secret: 'browser-secret-0123456789abcdef01',
        redirect_uris: [`${s.url}/sso/${id}/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ]);
    // A login-handler administrator who exists already: matched by username, then linked.
    const lha = await s.makeUser('lhadmin', ['login_handler_admin', 'people_admin']);
    assert.ok(lha.id);
    op.addAccount({
      sub: 'op-lhadmin',
      claims: {
        preferred_username: 'lhadmin',
        email: 'lhadmin@example.org',
        given_name: 'Lh',
        family_name: 'Admin',
      },
    });
  });
  after(async () => {
    await b?.close();
    await op?.close();
    await s?.close();
  });

  it('from the login button to the signed-in console, and the decision in the Login handler page', async () => {
    const page = b.page;
    op.nextLogin('op-lhadmin');
    await page.goto(`${s.url}/login`);
    await page.getByRole('link', { name: 'Sign in with Company OP' }).click();
    await page.waitForURL(`${s.url}/users`);
    await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
    await page
      .getByRole('navigation', { name: 'Main navigation' })
      .getByRole('link', { name: 'Login handler' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Login handler' }).waitFor();
    await page.getByText('Allow users to be provisioned on first login').first().waitFor();
    await page.getByText(/Signed in as lhadmin \(matched by username lhadmin\)/).waitFor();
    // The redirect URI to register at the IdP, shown with its copy button.
    assert.equal(
      await page.getByLabel('Redirect URI', { exact: true }).textContent(),
      `${s.url}/sso/${id}/callback`,
    );
    await page.getByRole('button', { name: 'Copy Redirect URI' }).waitFor();
    // "Why was this login refused?": someone with no account, at a provider that does not
    // provision at first login.
    await page.getByLabel('Username or email').fill('nobody-here');
    await page.getByRole('button', { name: 'Explain' }).click();
    const answer = page.getByTestId('explain-answer');
    await answer.waitFor();
    assert.match(
      (await answer.textContent()) ?? '',
      /^refusedNo account exists for nobody-here.*does not create accounts at first login/,
    );
    await b.shot('sso-login-handler');
  });

  it('seamless sends people straight to the provider; ?no_auto=1 shows the form through every redirect', async () => {
    const page = b.page;
    const r = await s.request('PATCH', `/api/people/v2/identity-providers/${id}`, {
      body: { seamless: true },
    });
    assert.equal(r.status, 200, r.text);
    await page.context().clearCookies();
    // The buttons appear only when the page did not leave for the provider (the seamless
    // redirect and the buttons are the two branches of one answer), so seeing one proves it.
    for (const path of ['/login?no_auto=1', '/sign-in?no_auto=1', '/users?no_auto=1']) {
      await page.goto(`${s.url}${path}`);
      await page.getByRole('link', { name: 'Sign in with Company OP' }).waitFor();
      await page.getByLabel('Username').waitFor();
      const at = new URL(page.url());
      assert.equal(at.origin, s.url, page.url());
      assert.equal(at.searchParams.get('no_auto'), '1', page.url());
    }
    // Without it, a signed-out visit goes to the OpenID Provider and comes back signed in.
    op.nextLogin('op-lhadmin');
    await page.goto(`${s.url}/users`);
    await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/users');
  });
});
