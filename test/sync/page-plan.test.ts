/**
 * A run compares each page's entries with their accounts as the page is read, and slims the
 * entries certainly unchanged to their ids, DN and manager (src/core/sync/plan-lookups.ts).
 * What must still hold across pages: a manager named by an entry of a later page, an entry
 * whose only change is its manager, an unchanged (slimmed) entry named as a manager or sharing
 * its username with a later entry, and the fields of such an entry left as they are.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.ts';
import type { App } from '../../src/app.ts';
import type { DirectoryEntry } from '../../src/core/sync/types.ts';
import type { DirectoryRecord } from '../../src/core/directories.ts';
import {
  SYNC_TESTER as admin,
  entrySource,
  offlineLdapDirectory,
  syncRun,
} from '../helpers/sync.ts';

const dnOf = (i: number) => `uid=user${i},ou=people,dc=example,dc=org`;

function person(i: number, manager: number | null, extra: Partial<DirectoryEntry> = {}) {
  const e: DirectoryEntry = {
    externalId: `pp-${i}`,
    username: `user${i}`,
    dn: dnOf(i),
    fields: { firstname: `First${i}`, surname: `Last${i}`, email: `user${i}@example.org` },
    profile: {},
    manager: manager === null ? null : { kind: 'dn', ref: dnOf(manager) },
    active: true,
    ...extra,
  };
  return e;
}

describe('core: a run planned page by page', () => {
  let app: App & { dispose(): Promise<void> };
  let dir: DirectoryRecord;
  // Pages of 5: every rule below crosses a page boundary.
  const run = (entries: DirectoryEntry[]) => syncRun(app, dir, entrySource(entries, 5), {});
  const account = async (i: number) => (await app.core.people.findByUsername(`user${i}`))!;
  // user0..user4 have no manager (page 1), nor user18, user19; user5..user17 report to
  // user18 (a later page).
  const base = Array.from({ length: 20 }, (_, i) => person(i, i < 5 || i >= 18 ? null : 18));

  before(async () => {
    app = await startTestApp({ GATEHOUSE_SECRET_KEY: 'ef'.repeat(32) });
    dir = await app.core.directories.createDirectory(
      admin,
      offlineLdapDirectory('Paged', {
        mapping: { firstname: 'givenName', surname: 'sn', email: 'mail', manager_id: 'manager' },
      }),
    );
    const r = await run(base);
    assert.equal(r.status, 'completed', r.stop_reason ?? '');
    assert.equal(r.counts.created, 20);
  });
  after(async () => {
    await app.dispose();
  });

  it('links a manager named by an entry of a later page, and a second run changes nothing', async () => {
    assert.equal((await account(6)).manager_id, (await account(18)).id);
    const r = await run(base);
    assert.equal(r.counts.unchanged, 20);
    assert.equal(r.counts.updated, 0);
  });

  it('updates an entry whose only change is its manager, keeping its fields', async () => {
    // user6 now reports to user2: an unchanged entry of the first page (slimmed there).
    const next = base.map((e, i) => (i === 6 ? person(6, 2) : e));
    const r = await run(next);
    assert.equal(r.status, 'completed', r.stop_reason ?? '');
    assert.equal(r.counts.updated, 1);
    assert.equal(r.counts.unchanged, 19);
    const u6 = await account(6);
    assert.equal(u6.manager_id, (await account(2)).id);
    assert.deepEqual(
      [u6.firstname, u6.surname, u6.email],
      ['First6', 'Last6', 'user6@example.org'],
    );
    // An entry whose manager goes from someone to no one is a change too.
    const cleared = await run(next.map((e, i) => (i === 7 ? person(7, null) : e)));
    assert.equal(cleared.counts.updated, 1);
    assert.equal((await account(7)).manager_id, null);
  });

  it('a new entry with the username of an unchanged (slimmed) entry of an earlier page: both refused, named by DN', async () => {
    const twin = person(40, null, {
      username: 'user1',
      dn: 'uid=twin,ou=people,dc=example,dc=org',
    });
    const r = await run([...base.map((e, i) => (i === 6 ? person(6, 2) : e)), twin]);
    assert.equal(r.status, 'completed', r.stop_reason ?? '');
    assert.equal(r.counts.errors, 2);
    const items = await app.core.syncRuns.items(r.id, 0, 100);
    const errors = items.filter((i) => i.action === 'error').map((i) => i.entry);
    assert.deepEqual(errors.sort(), [dnOf(1), 'uid=twin,ou=people,dc=example,dc=org'].sort());
    // The refused account is left as it was.
    const u1 = await account(1);
    assert.deepEqual([u1.firstname, u1.state], ['First1', 'active']);
  });
});
