/**
 * Entries compared and written in the form the account stores: a mapped attribute the entry
 * lacks maps to '' — for the user code that is no code (null), which any number of accounts
 * share, not the empty code, which only one could hold — and text in another Unicode form
 * (NFD) is the same text. Found by bench/sync.bench.ts: the OpenLDAP preset maps user_code
 * to employeeNumber, which its entries lacked, and the second run refused all but one entry.
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
    externalId: `sf-${i}`,
    username: `sf${i}`,
    dn: `uid=sf${i},ou=people,dc=example,dc=org`,
    // As the LDAP gate maps an entry without employeeNumber: user_code ''.
    fields: {
      firstname: `First${i}`,
      surname: 'Stored',
      email: `sf${i}@example.org`,
      user_code: '',
      ...fields,
    },
    profile: {},
    active: true,
  };
}

describe('core: sync entries in the stored form', () => {
  let app: App & { dispose(): Promise<void> };
  let dir: DirectoryRecord;
  const run = (entries: DirectoryEntry[]) => syncRun(app, dir, entries);
  const auditTotal = async () => (await app.core.audit.list({}, 0, 1)).total;

  before(async () => {
    app = await startTestApp({ GATEHOUSE_SECRET_KEY: 'cd'.repeat(32) });
    dir = await app.core.directories.createDirectory(
      admin,
      offlineLdapDirectory('Stored form', {
        mapping: {
          firstname: 'givenName',
          surname: 'sn',
          email: 'mail',
          user_code: 'employeeNumber',
        },
      }),
    );
  });
  after(async () => {
    await app.dispose();
  });

  // "Zoë" with a combining diaeresis (NFD); the account stores it composed (NFC).
  const decomposed = 'Zoe\u0308';
  const entries = () => [
    ...Array.from({ length: 5 }, (_, i) => entry(i)),
    entry(5, { firstname: decomposed }),
    entry(6, { user_code: 'E6' }),
  ];

  it('a second run of entries without a user code changes nothing and writes no audit event', async () => {
    const first = await run(entries());
    assert.equal(first.counts.created, 7, first.stop_reason ?? '');
    assert.equal((await app.core.people.findByUsername('sf5'))!.firstname, 'Zoë');
    const before = await auditTotal();
    const second = await run(entries());
    assert.deepEqual(second.counts, { ...second.counts, unchanged: 7, updated: 0, errors: 0 });
    assert.equal(await auditTotal(), before);
  });

  it('an entry whose user code went clears it, beside entries that never had one', async () => {
    const next = entries();
    next[6] = entry(6);
    const r = await run(next);
    assert.deepEqual(
      { updated: r.counts.updated, unchanged: r.counts.unchanged, errors: r.counts.errors },
      { updated: 1, unchanged: 6, errors: 0 },
    );
    const sf6 = (await app.core.people.findByUsername('sf6'))!;
    assert.equal((await app.core.people.row(sf6.id)).user_code, null);
    // Every account of the directory now has no code: none holds the empty one.
    for (let i = 0; i < 7; i++) {
      const p = (await app.core.people.findByUsername(`sf${i}`))!;
      assert.equal((await app.core.people.row(p.id)).user_code, null);
    }
  });

  it('the one-entry writer (SCIM, just-in-time) stores no code for an empty one', async () => {
    const o = await app.core.directorySync.writer.apply(admin, dir, entry(7));
    assert.equal(o.action, 'created', JSON.stringify(o));
    const again = await app.core.directorySync.writer.apply(admin, dir, entry(8));
    assert.equal(again.action, 'created', JSON.stringify(again));
    assert.equal((await app.core.people.row(again.personId!)).user_code, null);
  });
});
