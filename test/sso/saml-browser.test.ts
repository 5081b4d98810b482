/**
 * A SAML login in Chromium: from the sign-in page's button for the IdP, through
 * SimpleSAMLphp's own form and its auto-submitted cross-site POST to the ACS, to the
 * signed-in console. Proves what a fetch-based test cannot: the browser carries out the
 * HTTP-POST binding under our headers, and the session cookie set on the cross-site
 * response is the console's session once the browser is back on our pages.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { connectSaml, simpleSamlPhp, type SamlConnection } from '../helpers/simplesamlphp.ts';
import { openBrowser, type TestBrowser } from '../browser/browser.ts';

let b: TestBrowser;
let s: TestServer;
let saml: SamlConnection;
const person = { username: `walker${process.pid}`, password: 'walker-pw' };

before(async () => {
  b = await openBrowser();
  s = await startTestServer({ GATEHOUSE_SECRET_KEY: '6b'.repeat(32) });
  const idp = await simpleSamlPhp();
  saml = await connectSaml(s, idp, { encryptAssertion: true, signResponse: false });
  idp.addUser(person.username, person.password, {
    mail: [`${person.username}@idp.example`],
    givenName: ['Wanda'],
    sn: ['Walker'],
  });
});
after(async () => {
  await s?.close();
  await b?.close();
});

it('signs in through SimpleSAMLphp and lands signed in on the console', async () => {
  const page = b.page;
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  // The sign-in page's button for the provider (a plain link: no form, so the console's
  // CSP form-action does not come into it), then SimpleSAMLphp.
  await page.goto(`${s.url}/login`);
  const button = page.getByRole('link', { name: 'Sign in with SimpleSAMLphp' });
  assert.match(
    (await button.getAttribute('href')) ?? '',
    new RegExp(`^/sso/${saml.providerId}/login`),
  );
  await button.click();
  await page.waitForURL((u) => !u.toString().startsWith(s.url));
  // SimpleSAMLphp's own login form.
  await page.locator('input[name="username"]').fill(person.username);
  await page.locator('input[name="password"]').fill(person.password);
  await b.shot('saml-idp-form');
  await Promise.all([
    page.waitForURL((u) => u.toString().startsWith(s.url), { timeout: 20_000 }),
    page.locator('input[name="password"]').press('Enter'),
  ]);
  // The console, signed in as the person the IdP vouched for (an account made just now).
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  const session = await page.evaluate(async () => {
    const r = await fetch('/api/session');
    return r.ok ? ((await r.json()) as { user: { username: string } }).user.username : r.status;
  });
  assert.equal(session, person.username);
  // The login was bound to this browser by its cookie, which Chromium kept and sent back
  // with the IdP's POST (plain HTTP here: Lax, as None would need Secure).
  const binding = (await b.context.cookies(`${s.url}/sso/`)).find(
    (c) => c.name === 'gh_sso_browser',
  );
  assert.deepEqual(binding && [binding.path, binding.httpOnly, binding.sameSite], [
    '/sso/',
    true,
    'Lax',
  ]);
  const used = await s.app.store.db
    .selectFrom('sso_login_requests')
    .select(['used_at', 'browser_hash'])
    .execute();
  assert.ok(used.some((r) => r.used_at !== null && r.browser_hash !== null));
  await b.shot('saml-signed-in');
  assert.deepEqual(violations, []);
  assert.equal(new URL(page.url()).pathname.startsWith('/sign-in'), false, page.url());
});
