/**
 * Regressions found by the Active Directory sync test (test/ldap/sync-ad.test.ts): the AD
 * preset maps user_code to employeeID, which most entries lack. Such an entry maps to '' and
 * the batch engine stored null, but the one-entry writer stored '' as it came, so the second
 * run "updated" every entry and all but the first then collided on the unique user code ''.
 * The one-entry writer also skipped the field rules the other gates apply.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.ts';
import type { App } from '../../src/app.ts';
import type { DirectoryEntry } from '../../src/core/sync/types.ts';
import type { DirectoryRecord } from '../../src/core/directories.ts';
import { SYNC_TESTER as admin, offlineLdapDirectory, syncRun } from '../helpers/sync.ts';

function entry(i: number, fields: DirectoryEntry['fields'] = {}): DirectoryEntry {
  return {
    externalId: `guid-${i}`,
    username: `emp${i}`,
    dn: `CN=emp${i},OU=Staff,DC=example,DC=test`,
    // What the LDAP mapping (map-raw.ts) gives for a mapped attribute the entry lacks: ''.
    fields: {
      firstname: `First${i}`,
      surname: `Last${i}`,
      email: `emp${i}@example.test`,
      user_code: '',
      ...fields,
    },
    profile: {},
    active: true,
  };
}

describe('core: mapped fields an entry leaves empty, and field rules on change', () => {
  let app: App & { dispose(): Promise<void> };
  let dir: DirectoryRecord;
  const run = (entries: DirectoryEntry[]) => syncRun(app, dir, entries);
  before(async () => {
    app = await startTestApp({ GATEHOUSE_SECRET_KEY: 'be'.repeat(32) });
    dir = await app.core.directories.createDirectory(
      admin,
      offlineLdapDirectory('AD', {
        bind_dn: 'CN=Administrator,CN=Users,DC=example,DC=test',
        base_dn: 'DC=example,DC=test',
        user_filter: '(objectClass=user)',
        id_attribute: 'objectGUID',
        username_attribute: 'sAMAccountName',
        active_directory: true,
        mapping: { firstname: 'givenName', surname: 'sn', email: 'mail', user_code: 'employeeID' },
      }),
    );
  });
  after(async () => {
    await app.dispose();
  });

  const staff = Array.from({ length: 5 }, (_, i) => entry(i));

  it('entries without the user-code attribute: made with none, and unchanged next time', async () => {
    const first = await run(staff);
    assert.equal(first.counts.created, 5, JSON.stringify(first.counts));
    const again = await run(staff);
    assert.deepEqual(
      {
        unchanged: again.counts.unchanged,
        updated: again.counts.updated,
        errors: again.counts.errors,
      },
      { unchanged: 5, updated: 0, errors: 0 },
    );
    assert.equal((await app.core.people.findByUsername('emp1'))!.user_code, null);
  });

  it('a change written entry by entry clears an emptied user code to none, not to ""', async () => {
    const coded = staff.map((e, i) => (i < 2 ? entry(i, { user_code: `E-${i}` }) : e));
    const r = await run(coded);
    assert.equal(r.counts.updated, 2, JSON.stringify(r.counts));
    assert.equal((await app.core.people.findByUsername('emp0'))!.user_code, 'E-0');
    // Both lose their code in one run: two empties are no collision.
    const cleared = await run(staff);
    assert.deepEqual(
      { updated: cleared.counts.updated, errors: cleared.counts.errors },
      { updated: 2, errors: 0 },
    );
    for (const u of ['emp0', 'emp1'])
      assert.equal((await app.core.people.findByUsername(u))!.user_code, null);
  });

  it('a changed entry is held to the field rules: an empty required field is its error, nothing written', async () => {
    const broken = staff.map((e, i) =>
      i === 3 ? entry(3, { email: '', firstname: 'Renamed' }) : e,
    );
    const r = await run(broken);
    assert.equal(r.counts.errors, 1, JSON.stringify(r.counts));
    const items = await app.core.syncRuns.items(r.id, 0, 10, 'error');
    assert.match(items[0]?.error ?? '', /email/i);
    const emp3 = (await app.core.people.findByUsername('emp3'))!;
    assert.equal(emp3.email, 'emp3@example.test');
    assert.equal(emp3.firstname, 'First3');
  });
});
