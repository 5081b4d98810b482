/**
 * The console in Chromium, as a People administrator uses it: sign in, add a user (fixing
 * validation errors), find, edit and block them, import a CSV with a bad row, export and
 * re-import with no change, create an API key, read the provisioning overview, and the
 * forced password change of a new user. Elements are found by role and label.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';
import { openBrowser, type TestBrowser } from './browser.ts';

describe('console in a browser', () => {
  let s: TestServer;
  let b: TestBrowser;
  let page: Page;
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name });
  const go = async (name: string) => {
    await nav(name).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
  };
  const visible = (l: Locator) => l.waitFor({ state: 'visible' });
  const dropFile = (name: string, text: string) =>
    page.locator('input[type="file"]').setInputFiles({
      name,
      mimeType: 'text/csv',
      buffer: Buffer.from(text),
    });

  before(async () => {
    b = await openBrowser();
    s = await startTestServer();
    page = b.page;
  });
  after(async () => {
    await s?.close();
    await b?.close();
  });

  it('serves the console at / and sends a signed-out visitor to sign in', async () => {
    await page.goto(s.url + '/users');
    await visible(page.getByRole('heading', { name: 'Sign in' }));
    assert.match(page.url(), /\/sign-in\?next=%2Fusers$/);
    await b.shot('sign-in');
  });

  it('refuses a wrong password and signs in with the right one', async () => {
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(page.getByRole('alert'));
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Staff list' }));
    assert.equal(await page.title(), 'Staff list · Gatehouse');
    await b.shot('staff-list');
  });

  it('adds a user, fixing a validation error found by the form and one found by the server', async () => {
    await go('Add a new user');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill('a-good-password-1');
    await page.getByLabel('Confirm password').fill('a-good-password-1');
    await page.getByLabel('First name').fill('Jane');
    await page.getByLabel('Surname').fill('Doe');
    await page.getByLabel('Email').fill('jane.doe');
    await page.getByRole('button', { name: 'Add user' }).click();
    // The form's own check, at the field.
    await visible(page.getByText('Must be an email address such as jo@example.org.'));
    await page.getByLabel('Email').fill('jane.doe@example.org');
    await page.getByRole('button', { name: 'Add user' }).click();
    // The server's answer, at the field: the username is taken.
    await visible(page.getByText('Already taken by another account.'));
    await visible(page.getByRole('alert').getByText(/Another account already has this username/));
    await b.shot('add-user-errors');
    await page.getByLabel('Username').fill('jdoe');
    await page.getByRole('tab', { name: 'Other settings' }).click();
    await page.getByLabel('Change password at next login').uncheck();
    await page.getByRole('button', { name: 'Add user' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Jane Doe' }));
    await visible(page.getByText(/Created by the console .* managed locally/));
    const created = await s.request('GET', '/api/people/v2/users?q=jdoe');
    assert.equal(created.body.pagination.total, 1);
    assert.equal(created.body.data[0].origin, 'console');
  });

  it('finds the new user in the staff list by searching as you type', async () => {
    await go('Staff list');
    await page.getByLabel('Search people').fill('Doe');
    const row = page.getByRole('link', { name: 'Jane Doe' });
    await visible(row);
    await visible(page.getByText('1–1 of 1 person'));
    await page.getByRole('textbox', { name: 'State' }).click();
    await page.getByRole('option', { name: 'Blocked' }).click();
    await visible(page.getByText('Nobody matches'));
    await page.getByRole('button', { name: 'Clear search and filters' }).click();
    await page.getByLabel('Search people').fill('jane');
    await row.click();
    await visible(page.getByRole('heading', { level: 1, name: 'Jane Doe' }));
  });

  it('edits and blocks the user, and shows it in their history', async () => {
    await page.getByLabel('Job title').fill('Engineer');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await visible(page.getByText('The changes were saved.'));
    await page.getByRole('button', { name: 'Block' }).click();
    const dialog = page.getByRole('dialog', { name: 'Block Jane Doe?' });
    await dialog.getByLabel('Reason (kept in the audit log)').fill('Left the company');
    await dialog.getByRole('button', { name: 'Block account' }).click();
    await visible(page.getByRole('button', { name: 'Unblock' }));
    await visible(page.getByText('Blocked by admin: Left the company'));
    await page.getByRole('tab', { name: 'History' }).click();
    await visible(page.getByText('person.block'));
    await b.shot('person');
    const after = await s.request('GET', '/api/people/v2/users?q=jdoe');
    assert.equal(after.body.data[0].state, 'blocked');
    assert.equal(after.body.data[0].job_title, 'Engineer');
  });

  it('imports a CSV with one bad row: the dry run shows it, the valid rows are applied', async () => {
    await go('Add/update from CSV file');
    await b.shot('import');
    await dropFile(
      'new-people.csv',
      'username,firstname,surname,email\n' +
        'asmith,Anna,Smith,anna@example.org\n' +
        'bjones,Ben,Jones,not-an-email\n' +
        'cwu,Chen,Wu,chen@example.org\n',
    );
    await visible(page.getByRole('heading', { name: /Dry run of new-people.csv/ }));
    // The error row is shown first, with its message.
    const rows = page.getByRole('table', { name: 'Rows' });
    await visible(rows.getByText('bjones'));
    await visible(rows.getByText('Must be an email address such as jo@example.org.'));
    assert.equal(await page.getByRole('button', { name: 'Apply 2 changes' }).isDisabled(), true);
    await page.getByText('Creates (2)').click();
    await visible(rows.getByText('asmith'));
    await b.shot('import-dry-run');
    await page.getByLabel(/Apply the valid rows/).check();
    await page.getByRole('button', { name: 'Apply 2 changes' }).click();
    await visible(page.getByText('Import applied'));
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download report' }).click();
    const report = await readFile((await (await download).path()) ?? '', 'utf8');
    assert.match(report, /"asmith",create/);
    assert.match(report, /"bjones",error,"email: Must be an email address/);
    await b.shot('import-applied');
    const list = await s.request('GET', '/api/people/v2/users?origin=csv');
    assert.deepEqual(list.body.data.map((u: { username: string }) => u.username).sort(), [
      'asmith',
      'cwu',
    ]);
  });

  it('exports everyone and re-imports the file with no change', async () => {
    await go('Export users');
    await b.shot('export');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV file' }).click();
    const file = await download;
    assert.match(file.suggestedFilename(), /^people-.*\.csv$/);
    const csv = await readFile((await file.path()) ?? '', 'utf8');
    assert.match(csv, /jdoe/);
    await go('Add/update from CSV file');
    await dropFile(file.suggestedFilename(), csv);
    await visible(page.getByText('This file changes nothing: everyone is already as it says.'));
    const total = (await s.request('GET', '/api/people/v2/users?limit=1')).body.pagination.total;
    await visible(page.getByText(`Unchanged (${total})`));
  });

  it('creates an API key that is shown once and works', async () => {
    await go('API keys');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create API key' });
    await dialog.getByLabel('Name').fill('HR system');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByLabel('New API key', { exact: true }).textContent()) ?? '';
    assert.ok(key.length > 20);
    await visible(page.getByRole('cell', { name: 'HR system', exact: true }));
    await b.shot('api-keys');
    const me = await s.request('GET', '/api/people/v2/user', { key });
    assert.equal(me.status, 200);
    assert.equal(me.body.username, 'admin');
    await page.getByRole('button', { name: 'Revoke HR system' }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await visible(page.getByText('The key was revoked.'));
    assert.equal((await s.request('GET', '/api/people/v2/user', { key })).status, 401);
  });

  it('reads the provisioning overview', async () => {
    await go('Provisioning overview');
    const summary = page.getByRole('region', { name: 'Summary' });
    await visible(
      summary.getByText(/Accounts are added and updated from CSV files: 1 import applied/),
    );
    await visible(summary.getByText('No SSO configured', { exact: false }));
    const byOrigin = page.getByRole('table', { name: 'Accounts by origin' });
    await visible(byOrigin.getByRole('row', { name: /CSV import 2/ }));
    await visible(byOrigin.getByRole('row', { name: /Console 1/ }));
    await b.shot('overview');
  });

  it('visits the other pages: groups, roles, extranet areas, profile fields, audit log', async () => {
    await go('Groups');
    await page.getByRole('button', { name: 'Add group' }).first().click();
    await page.getByRole('dialog').getByLabel('Name').fill('Engineering');
    await page.getByRole('dialog').getByRole('button', { name: 'Add group' }).click();
    await visible(page.getByRole('cell', { name: 'Engineering', exact: true }));
    await b.shot('groups');
    await go('Roles');
    await b.shot('roles');
    await go('Extranet areas');
    await b.shot('extranets');
    await go('Profile fields');
    await b.shot('profile-fields');
    await go('Audit log');
    await visible(page.getByRole('table', { name: 'Audit events' }).getByText('person.block'));
    await b.shot('audit-log');
  });

  it('puts a person in a group from their page, one membership at a time', async () => {
    const group = (await s.request('GET', '/api/people/v2/groups?q=Engineering')).body.data[0];
    // Someone else is already in the group: adding Jane must keep them.
    const other = await s.request('POST', '/api/people/v2/users', {
      body: {
        username: 'colleague',
        firstname: 'Col',
        surname: 'League',
        email: 'col@example.org',
      },
    });
    await s.request('PUT', `/api/people/v2/groups/${group.id}/users/${other.body.id}`);
    await go('Staff list');
    await page.getByLabel('Search people').fill('jdoe');
    await page.getByRole('link', { name: 'Jane Doe' }).click();
    await page.getByRole('tab', { name: 'Roles and groups' }).click();
    await page.getByRole('textbox', { name: 'Groups of this person' }).click();
    await page.getByRole('option', { name: 'Engineering' }).click();
    await visible(page.getByText('Groups saved.'));
    const jane = (await s.request('GET', '/api/people/v2/users?q=jdoe')).body.data[0];
    const members = await s.request('GET', `/api/people/v2/groups/${group.id}/users`);
    assert.deepEqual(
      members.body.ids,
      [jane.id, other.body.id].sort((x, y) => x - y),
    );
  });

  it('makes a new user change their password before anything else, then signs out', async () => {
    await s.request('POST', '/api/people/v2/users', {
      body: {
        username: 'newbie',
        firstname: 'New',
        surname: 'Person',
        email: 'newbie@example.org',
        password: 'first-password-1',
        must_change_password: true,
      },
    });
    await page.getByRole('button', { name: /Account menu/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await visible(page.getByRole('heading', { name: 'Sign in' }));
    await page.getByLabel('Username').fill('newbie');
    await page.getByLabel('Password').fill('first-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(page.getByRole('heading', { name: 'Change your password' }));
    await page.goto(s.url + '/users');
    await visible(page.getByRole('heading', { name: 'Change your password' }));
    await b.shot('change-password');
    await page.getByLabel('Current password').fill('first-password-1');
    await page.getByLabel('New password', { exact: true }).fill('second-password-2');
    await page.getByLabel('Confirm new password').fill('second-password-2');
    await page.getByRole('button', { name: 'Change password' }).click();
    await visible(page.getByRole('heading', { level: 1, name: 'Staff list' }));
  });
});
