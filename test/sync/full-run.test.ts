/**
 * A full sync run through the core (SyncRunner) with entries handed over as the LDAP gate
 * hands them: new accounts in bulk, changes entry by entry, gone entries blocked, the safety
 * stop, a failed read blocking nobody, and a dry run writing nothing. The same runs against a
 * real OpenLDAP and Samba AD are in test/ldap/.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.ts';
import type { App } from '../../src/app.ts';
import type { DirectoryEntry } from '../../src/core/sync/types.ts';
import type { DirectoryRecord } from '../../src/core/directories.ts';
import type { EntrySource, RunOptions } from '../../src/core/sync/run.ts';
import {
  SYNC_TESTER as admin,
  entrySource,
  offlineLdapDirectory,
  syncRun,
} from '../helpers/sync.ts';

function person(i: number, extra: Partial<DirectoryEntry> = {}): DirectoryEntry {
  return {
    externalId: `id-${i}`,
    username: `user${i}`,
    dn: `uid=user${i},ou=people,dc=example,dc=org`,
    fields: { firstname: `First${i}`, surname: `Last${i}`, email: `user${i}@example.org` },
    profile: {},
    manager: i === 0 ? null : { kind: 'dn', ref: 'uid=user0,ou=people,dc=example,dc=org' },
    active: true,
    ...extra,
  };
}

const failing = (after: number): EntrySource => ({
  // eslint-disable-next-line @typescript-eslint/require-await
  async *read() {
    yield Array.from({ length: after }, (_, i) => person(i));
    throw new Error('The connection to the directory was lost in the middle of a page.');
  },
});

describe('core: a full sync run', () => {
  let app: App & { dispose(): Promise<void> };
  let dir: DirectoryRecord;
  // Pages of 7: a run's writes and lookups cross page boundaries.
  const run = (entries: DirectoryEntry[] | EntrySource, o: Partial<RunOptions> = {}) =>
    syncRun(app, dir, Array.isArray(entries) ? entrySource(entries, 7) : entries, o);
  before(async () => {
    app = await startTestApp({ GATEHOUSE_SECRET_KEY: 'cd'.repeat(32) });
    dir = await app.core.directories.createDirectory(
      admin,
      offlineLdapDirectory('Corp', {
        mapping: { firstname: 'givenName', surname: 'sn', email: 'mail', manager_id: 'manager' },
      }),
    );
  });
  after(async () => {
    await app.dispose();
  });

  const base = Array.from({ length: 40 }, (_, i) => person(i));

  it('a dry run reports what a first run would do and writes nothing', async () => {
    const r = await run(base, { dryRun: true });
    assert.equal(r.status, 'completed');
    assert.equal(r.dry_run, true);
    assert.equal(r.counts.created, 40);
    assert.equal((await app.core.people.findByUsername('user1')) === undefined, true);
  });

  it('creates every entry as a synced, linked account, with managers linked by DN', async () => {
    const r = await run(base);
    assert.equal(r.status, 'completed', r.stop_reason ?? '');
    assert.equal(r.counts.created, 40);
    assert.equal(r.counts.errors, 0);
    const u5 = (await app.core.people.findByUsername('user5'))!;
    const u0 = (await app.core.people.findByUsername('user0'))!;
    assert.equal(u5.manager_id, u0.id);
    assert.equal(await app.core.directorySync.personFor(dir.id, 'id-5'), u5.id);
    const row = await app.core.people.row(u5.id);
    assert.equal(row.directory_id, dir.id);
    assert.equal(row.origin, 'ldap');
  });

  it('a second run with nothing changed writes nothing and no audit event', async () => {
    const before = (await app.core.audit.list({}, 0, 1)).total;
    const r = await run(base);
    assert.equal(r.counts.unchanged, 40);
    assert.equal(r.counts.created + r.counts.updated, 0);
    assert.equal((await app.core.audit.list({}, 0, 1)).total, before);
  });

  it('updates, renames, blocks the disabled and the gone, with the items kept', async () => {
    const next = base.slice(0, 39).map((e) => ({ ...e }));
    next[1] = person(1, {
      fields: { firstname: 'Changed', surname: 'Last1', email: 'user1@example.org' },
    });
    next[2] = person(2, { username: 'user2-renamed' });
    next[3] = person(3, { active: false });
    const r = await run(next);
    assert.equal(r.status, 'completed', r.stop_reason ?? '');
    assert.deepEqual(
      { u: r.counts.updated, r: r.counts.renamed, b: r.counts.blocked },
      { u: 1, r: 1, b: 2 },
    );
    const gone = (await app.core.people.findByUsername('user39'))!;
    assert.equal(gone.state, 'blocked');
    const items = await app.core.syncRuns.items(r.id, 0, 100);
    assert.equal(items.length, 4);
    assert.ok(items.some((i) => i.action === 'renamed' && i.entry.includes('user2')));
  });

  it('reactivates entries that come back', async () => {
    const r = await run(
      base.map((e, i) => (i === 2 ? person(2, { username: 'user2-renamed' }) : e)),
    );
    assert.equal(r.counts.reactivated, 2);
    assert.equal((await app.core.people.findByUsername('user39'))!.state, 'active');
  });

  it('stops before blocking more than max_block_percent, names who, and proceeds when confirmed', async () => {
    const few = base
      .slice(0, 20)
      .map((e, i) => (i === 2 ? person(2, { username: 'user2-renamed' }) : e));
    const stopped = await run(few);
    assert.equal(stopped.status, 'stopped');
    assert.match(stopped.stop_reason!, /would block 20 of the directory's 40 active accounts/);
    assert.equal(stopped.would_block.length, 20);
    assert.equal((await app.core.people.findByUsername('user30'))!.state, 'active');
    const dry = await run(few, { dryRun: true, confirmMassBlock: true });
    assert.equal(dry.counts.blocked, 20);
    assert.equal((await app.core.people.findByUsername('user30'))!.state, 'active');
    const confirmed = await run(few, { confirmMassBlock: true });
    assert.equal(confirmed.status, 'completed');
    assert.equal((await app.core.people.findByUsername('user30'))!.state, 'blocked');
  });

  it('a failed or partial read, or an empty answer, blocks nobody', async () => {
    const failed = await run(failing(5));
    assert.equal(failed.status, 'failed');
    assert.match(failed.stop_reason!, /lost in the middle of a page/);
    const empty = await run([]);
    assert.equal(empty.status, 'stopped');
    assert.match(empty.stop_reason!, /no entries/);
    assert.equal((await app.core.people.findByUsername('user1'))!.state, 'active');
  });

  it('refuses a second run of the same directory while one holds its lease', async () => {
    let release: () => void = () => undefined;
    const slow: EntrySource = {
      async *read() {
        await new Promise<void>((r) => (release = r));
        yield base;
      },
    };
    const first = run(slow);
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(run(base), /already running/);
    release();
    await first;
  });

  it('entries without the mapped user code have none: a second run changes nothing (regression)', async () => {
    // The OpenLDAP preset maps user_code to employeeNumber, which most entries lack: the gate
    // maps a missing attribute to '', and '' stored as a user code made every entry but one
    // fail on the second run ("Another account already has this user code").
    const other = await app.core.directories.createDirectory(
      admin,
      offlineLdapDirectory('No codes', {
        base_dn: 'ou=other,dc=example,dc=org',
        mapping: {
          firstname: 'givenName',
          surname: 'sn',
          email: 'mail',
          user_code: 'employeeNumber',
        },
      }),
    );
    const entries = [1, 2, 3].map((i) =>
      person(900 + i, {
        manager: null,
        fields: { ...person(900 + i).fields, user_code: '' },
      }),
    );
    const runOther = () => syncRun(app, other, entrySource(entries, 7));
    assert.equal((await runOther()).counts.created, 3);
    const again = await runOther();
    assert.equal(again.counts.errors, 0);
    assert.equal(again.counts.updated, 0);
    assert.equal(again.counts.unchanged, 3);
    assert.equal((await app.core.people.findByUsername('user901'))!.user_code, null);
  });
});
