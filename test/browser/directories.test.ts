/**
 * The user-directory pages in Chromium, as a sysadmin uses them: add an OpenLDAP directory
 * from its preset pointing at a closed port, test it and preview a sync (both name the
 * problem); then a real slapd: the test shows the entries as mapped, a dry run counts the
 * accounts to create, a run creates them with their directory fields read-only on the person
 * page, the safety stop holds back a mass block until "Confirm and block", the history keeps
 * every run, and retiring the directory releases its accounts before deleting it. Then a
 * SCIM directory: its page shows the SCIM URL and the new token once (copied to the
 * clipboard), the SCIM mapping, and the log of the requests the identity provider made with
 * that token (status and error sentence); a new token replaces it, the old one working for
 * its grace period.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { ldapSubtree, type LdapSubtree } from '../helpers/slapd.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';
import { openBrowser, type TestBrowser } from './browser.ts';

const KEY = { GATEHOUSE_SECRET_KEY: 'ab'.repeat(32) };

describe('user directories in a browser', () => {
  let s: TestServer;
  let b: TestBrowser;
  let page: Page;
  let t: LdapSubtree;
  const dns: string[] = [];
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name });
  const go = async (name: string) => {
    await nav(name).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
  };
  const visible = (l: Locator) => l.waitFor({ state: 'visible' });
  /** A count of the run's report, as "To create: 3". */
  const count = (label: string) => page.locator(`[aria-label="${label}"]`);

  const addDirectory = async (v: {
    name: string;
    url: string;
    bindDn: string;
    password: string;
    baseDn: string;
  }) => {
    await go('User directories');
    await page.getByRole('button', { name: 'Add a directory' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add a user directory' });
    await dialog.getByText('OpenLDAP', { exact: true }).click();
    await dialog.getByLabel('Name').fill(v.name);
    await dialog.getByLabel('Server URL').fill(v.url);
    await dialog.getByLabel('Bind DN').fill(v.bindDn);
    await dialog.getByLabel('Bind password').fill(v.password);
    await dialog.getByLabel('Base DN').fill(v.baseDn);
    await dialog.getByRole('button', { name: 'Add directory' }).click();
    await visible(page.getByRole('heading', { level: 1, name: v.name }));
  };

  before(async () => {
    b = await openBrowser();
    s = await startTestServer(KEY);
    page = b.page;
    t = await ldapSubtree('web');
    for (const [uid, givenName, sn] of [
      ['ada', 'Ada', 'Lovelace'],
      ['alan', 'Alan', 'Turing'],
      ['grace', 'Grace', 'Hopper'],
    ] as const)
      dns.push(await t.addUser({ uid, givenName, sn, mail: `${uid}@example.test` }));
  });
  after(async () => {
    await s?.close();
    await b?.close();
  });

  it('signs in as the administrator', async () => {
    await page.goto(s.url + '/sign-in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Staff list' }));
    await go('User directories');
    await visible(page.getByText('No user directories yet'));
  });

  it('adds an OpenLDAP directory from its preset, and names the closed port in the test', async () => {
    await addDirectory({
      name: 'Closed port',
      url: 'ldap://127.0.0.1:1',
      bindDn: 'cn=nobody,dc=example,dc=test',
      password: 'not-used',
      baseDn: 'dc=example,dc=test',
    });
    // The preset's defaults, filled by the server, are on the page for review.
    assert.equal(await page.getByLabel('User filter').inputValue(), '(objectClass=inetOrgPerson)');
    assert.equal(await page.getByLabel('Stable id attribute').inputValue(), 'entryUUID');
    assert.equal(await page.getByLabel('Username attribute').inputValue(), 'uid');
    assert.equal(
      await page.getByRole('textbox', { name: 'Directory attribute for First name' }).inputValue(),
      'givenName',
    );
    assert.equal(
      await page.getByLabel('Bind password').getAttribute('placeholder'),
      'stored — leave empty to keep',
    );
    await page.getByRole('button', { name: 'Test connection' }).click();
    await visible(page.getByRole('alert').getByText(/refused the connection/));
    await b.shot('directory-test-refused');
  });

  it('previews a sync of the unreachable directory: the run failed, with its sentence', async () => {
    await page.getByRole('link', { name: 'Synchronize users' }).click();
    await visible(
      page.getByRole('heading', {
        level: 1,
        name: 'Synchronize/Update users from user directory',
      }),
    );
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await visible(page.getByRole('alert').filter({ hasText: 'The sync failed' }));
    await visible(page.getByRole('alert').getByText(/refused the connection/));
    await visible(page.getByRole('table', { name: 'Runs' }).getByText('Failed · dry run'));
    const runs = await s.request('GET', '/api/people/v2/directories/1/runs');
    assert.equal(runs.body.data[0].status, 'failed');
    assert.equal(runs.body.data[0].dry_run, true);
  });

  it('tests a real slapd and shows its entries as Gatehouse would map them', async () => {
    await addDirectory({
      name: 'Head office',
      url: t.info.url,
      bindDn: t.info.bindDn,
      password: t.info.bindPassword,
      baseDn: t.baseDn,
    });
    await page.getByRole('button', { name: 'Test connection' }).click();
    const sample = page.getByRole('table', { name: 'Sample entries' });
    await visible(sample);
    await visible(page.getByText('3 entries on the first page of the search', { exact: false }));
    for (const name of ['Ada', 'Alan', 'Grace'])
      await visible(sample.getByRole('cell', { name, exact: true }));
    await b.shot('directory-test-sample');
  });

  it('edits the schedule and the safety stop, keeping the stored bind password', async () => {
    await page.getByText('Daily', { exact: true }).click();
    await page.getByLabel('At (HH:MM, UTC)').fill('03:15');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await visible(page.getByText('The changes were saved.'));
    const d = (await s.request('GET', '/api/people/v2/directories')).body.data.find(
      (x: { name: string }) => x.name === 'Head office',
    );
    assert.deepEqual(d.schedule, { daily_at: '03:15' });
    assert.equal(d.has_bind_password, true);
    assert.equal(d.max_block_percent, 10);
  });

  it('previews, then runs the sync: three accounts created, directory fields read-only', async () => {
    await page.getByRole('link', { name: 'Synchronize users' }).click();
    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await visible(page.getByText('Dry run: nothing has been changed'));
    await visible(count('To create: 3'));
    await visible(count('Errors: 0'));
    await visible(page.getByRole('table', { name: 'Entries' }).getByText(/^uid=ada,/i));
    await b.shot('directory-dry-run');
    assert.equal((await s.request('GET', '/api/people/v2/users?q=ada')).body.pagination.total, 0);

    await page.getByRole('button', { name: 'Run now' }).click();
    await visible(page.getByText('Sync completed'));
    const made = await s.request('GET', '/api/people/v2/users?q=ada');
    assert.equal(made.body.pagination.total, 1);
    assert.equal(made.body.data[0].origin, 'ldap');

    await page
      .getByRole('table', { name: 'Entries' })
      .getByRole('link', { name: /^uid=ada,/i })
      .click();
    await visible(page.getByRole('heading', { level: 1, name: 'Ada Lovelace' }));
    const first = page.getByLabel('First name');
    assert.equal(await first.getAttribute('readonly'), '');
    await visible(
      page.getByText('Managed by the directory “Head office”: change it there.').first(),
    );
  });

  it('syncs a directory group: the run shows its group counts, the groups page shows it read-only', async () => {
    const d = (await s.request('GET', '/api/people/v2/directories')).body.data.find(
      (x: { name: string }) => x.name === 'Head office',
    );
    const patched = await s.request('PATCH', `/api/people/v2/directories/${d.id}`, {
      body: { group_base_dn: t.baseDn },
    });
    assert.equal(patched.status, 200, patched.text);
    await t.addGroup('web team', [dns[0] ?? '']);
    await nav('Synchronize/Update users from user directory').click();
    await page.getByRole('textbox', { name: 'User directory' }).click();
    await page.getByRole('option', { name: 'Head office' }).click();
    await page.getByRole('button', { name: 'Run now' }).click();
    await visible(count('Groups created: 1'));
    await visible(count('Members added: 1'));
    await b.shot('directory-group-counts');

    await go('Groups');
    const row = page.getByRole('row').filter({ hasText: 'web team' });
    await visible(row.getByText('Managed by the directory “Head office”: change it there.'));
    assert.equal(await row.getByRole('button', { name: 'Edit web team' }).isDisabled(), true);
    assert.equal(await row.getByRole('button', { name: 'Delete web team' }).isDisabled(), true);
    await b.shot('groups-synced-read-only');
  });

  it('holds back a mass block until it is confirmed', async () => {
    await t.remove(dns[1] ?? '');
    await t.remove(dns[2] ?? '');
    await nav('Synchronize/Update users from user directory').click();
    await page.getByRole('textbox', { name: 'User directory' }).click();
    await page.getByRole('option', { name: 'Head office' }).click();
    await page.getByRole('button', { name: 'Run now' }).click();
    await visible(page.getByText('Stopped by the safety rule: nobody was blocked'));
    const who = page.locator('[aria-label="Who would be blocked"]');
    await visible(who.getByText('alan'));
    await visible(who.getByText('grace'));
    await b.shot('directory-safety-stop');
    const alan = await s.request('GET', '/api/people/v2/users?q=alan');
    assert.equal(alan.body.data[0].state, 'active');

    await page.getByRole('button', { name: 'Confirm and block' }).click();
    await visible(page.getByText('Sync completed'));
    const blocked = await s.request('GET', '/api/people/v2/users?q=alan');
    assert.equal(blocked.body.data[0].state, 'blocked');
    // The history keeps every run; a run opens with its entries.
    const runs = page.getByRole('table', { name: 'Runs' });
    await visible(runs.getByText('Stopped by the safety rule'));
    await runs.getByRole('button').first().click();
    const dialog = page.getByRole('dialog');
    await visible(dialog.getByRole('table', { name: 'Entries' }).getByText(/alan/).first());
    await visible(dialog.locator('[aria-label="Blocked: 2"]'));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('refuses to delete a directory that owns accounts, releases them, then deletes it', async () => {
    await go('User directories');
    await page.getByRole('link', { name: 'Head office' }).click();
    await page.getByRole('button', { name: 'Delete directory' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await visible(page.getByText('Not deleted'));
    await page.getByRole('button', { name: 'Release accounts' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Release accounts' }).click();
    await visible(page.getByText('3 accounts are now local accounts.'));
    await page.getByRole('button', { name: 'Delete directory' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'User directories' }));
    const ada = await s.request('GET', '/api/people/v2/users?q=ada');
    assert.equal(ada.body.data[0].directory_id, null);
    const list = await s.request('GET', '/api/people/v2/directories');
    assert.deepEqual(
      list.body.data.map((d: { name: string }) => d.name),
      ['Closed port'],
    );
  });

  it('adds a SCIM directory: the URL and the token once, the mapping, the request log, a new token', async () => {
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.url });
    await go('User directories');
    await page.getByRole('button', { name: 'Add a directory' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add a user directory' });
    await dialog.getByText('SCIM (Okta, Entra ID)', { exact: true }).click();
    assert.equal(await dialog.getByLabel('Server URL').count(), 0);
    await dialog.getByLabel('Name').fill('Okta');
    await dialog.getByRole('button', { name: 'Add directory' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Okta' }));

    // The URL and token to give the identity provider; the token is shown this once.
    const scimUrl = await page.getByLabel('SCIM URL', { exact: true }).textContent();
    assert.equal(scimUrl, `${s.url}/scim/v2`);
    const token = (await page.getByLabel('New SCIM token', { exact: true }).textContent()) ?? '';
    assert.match(token, /^ghs_/);
    await page.getByRole('button', { name: 'Copy New SCIM token' }).click();
    await visible(page.getByRole('button', { name: 'Copy New SCIM token' }).getByText('Copied'));
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), token);
    // The mapping is SCIM's: attribute paths the IdP sends.
    assert.equal(
      await page.getByRole('textbox', { name: 'Directory attribute for First name' }).inputValue(),
      'name.givenName',
    );
    assert.equal(await page.getByRole('link', { name: 'Synchronize users' }).count(), 0);

    // The identity provider uses them: one user made, one refused with its sentence.
    const scim = (method: string, path: string, body: unknown, bearer = token) =>
      s.request(method, `/scim/v2${path}`, {
        key: null,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/scim+json' },
        raw: JSON.stringify(body),
      });
    const user = 'urn:ietf:params:scim:schemas:core:2.0:User';
    const made = await scim('POST', '/Users', {
      schemas: [user],
      userName: 'okta.person@example.org',
      name: { givenName: 'Okta', familyName: 'Person' },
      emails: [{ value: 'okta.person@example.org', type: 'work', primary: true }],
    });
    assert.equal(made.status, 201, made.text);
    const refused = await scim('POST', '/Users', { schemas: [user], name: { givenName: 'X' } });
    assert.equal(refused.status, 400, refused.text);
    await page.getByRole('button', { name: 'Refresh' }).click();
    const log = page.getByRole('table', { name: 'SCIM requests' });
    const refusedRow = log.getByRole('row').filter({ hasText: '400' });
    await visible(refusedRow);
    await visible(refusedRow.getByText(refused.body.detail as string));
    await visible(log.getByRole('row').filter({ hasText: '201' }).getByText('POST /scim/v2/Users'));
    await b.shot('directory-scim');

    // Shown once: after a reload the token is gone from the page, its prefix listed.
    await page.reload();
    await visible(
      page.getByRole('table', { name: 'SCIM tokens' }).getByText(`${token.slice(0, 8)}…`),
    );
    assert.equal(await page.getByLabel('New SCIM token', { exact: true }).count(), 0);

    // A new token; the old one keeps working for the grace period.
    await page.getByRole('button', { name: 'Make a new token' }).click();
    const next = page.getByLabel('New SCIM token', { exact: true });
    await visible(next);
    const second = (await next.textContent()) ?? '';
    assert.match(second, /^ghs_/);
    assert.notEqual(second, token);
    await visible(
      page.getByRole('table', { name: 'SCIM tokens' }).getByText(`${second.slice(0, 8)}…`),
    );
    for (const bearer of [token, second]) {
      const r = await s.request('GET', '/scim/v2/Users?count=1', {
        key: null,
        headers: { authorization: `Bearer ${bearer}` },
      });
      assert.equal(r.status, 200, r.text);
    }
    await page.getByRole('button', { name: 'I have stored it' }).click();
    assert.equal(await next.count(), 0);
  });
});
