/**
 * The core's sync rules for one entry (DESIGN.md, "Directory sync"): what SCIM's writes and
 * SSO's just-in-time sync rely on, and what a full LDAP run applies to every changed entry.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.ts';
import type { Actor } from '../../src/core/context.ts';
import type { App } from '../../src/app.ts';
import type { DirectoryEntry } from '../../src/core/sync/types.ts';
import type { DirectoryRecord } from '../../src/core/directories.ts';
import { offlineLdapDirectory } from '../helpers/sync.ts';

const admin: Actor = { personId: null, label: 'tester', gate: 'api' };
const KEY = 'ab'.repeat(32);

function entry(id: string, username: string, extra: Partial<DirectoryEntry> = {}): DirectoryEntry {
  return {
    externalId: id,
    username,
    fields: { firstname: 'Ada', surname: 'Lovelace', email: `${username}@example.org` },
    profile: {},
    active: true,
    ...extra,
  };
}

describe('core: directory sync rules for one entry', () => {
  let app: App & { dispose(): Promise<void> };
  let dir: DirectoryRecord;
  let strict: DirectoryRecord;
  let actor: Actor;
  before(async () => {
    app = await startTestApp({ GATEHOUSE_SECRET_KEY: KEY });
    const common = { adopt_local_accounts: true, max_block_percent: 10, schedule: null };
    dir = await app.core.directories.createDirectory(admin, {
      ...offlineLdapDirectory('Corp LDAP', {
        mapping: { firstname: 'givenName', surname: 'sn', email: 'mail', manager_id: 'manager' },
      }),
      bind_password: 'bind-secret',
    });
    strict = await app.core.directories.createDirectory(admin, {
      ...common,
      adopt_local_accounts: false,
      type: 'scim',
      name: 'Okta',
      scim: {
        mapping: { firstname: 'name.givenName', surname: 'name.familyName', email: 'emails' },
      },
    });
    actor = { personId: null, label: `directory:${dir.name}`, gate: 'ldap', directoryId: dir.id };
  });
  after(async () => {
    await app.dispose();
  });

  it('keeps the bind password sealed: never in the record or the audit, opened only for the gate', async () => {
    assert.equal(dir.has_bind_password, true);
    assert.ok(!JSON.stringify(dir).includes('bind-secret'));
    const events = await app.core.audit.list({ action: 'directory.create' }, 0, 10);
    assert.ok(!JSON.stringify(events).includes('bind-secret'));
    const row = await app.store.db
      .selectFrom('directories')
      .select('sealed_secret')
      .where('id', '=', dir.id)
      .executeTakeFirstOrThrow();
    assert.ok(row.sealed_secret?.startsWith('v1:'));
    assert.equal(await app.core.directories.bindPassword(dir.id), 'bind-secret');
  });

  it('creates a synced account owned by the directory, linked by its stable id', async () => {
    const o = await app.core.directorySync.applyEntry(actor, dir.id, entry('uuid-1', 'ada'));
    assert.equal(o.action, 'created');
    const p = await app.core.people.row(o.personId!);
    assert.equal(p.directory_id, dir.id);
    assert.equal(p.origin, 'ldap');
    assert.equal(p.password_authority, 'directory');
    assert.equal(await app.core.directorySync.personFor(dir.id, 'uuid-1'), p.id);
    const again = await app.core.directorySync.applyEntry(actor, dir.id, entry('uuid-1', 'ada'));
    assert.equal(again.action, 'unchanged');
  });

  it('updates mapped fields, and renames the same account when the username changes', async () => {
    const u = await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      entry('uuid-1', 'ada', {
        fields: { firstname: 'Augusta', surname: 'Lovelace', email: 'ada@example.org' },
      }),
    );
    assert.equal(u.action, 'updated');
    assert.deepEqual(u.changes.firstname, ['Ada', 'Augusta']);
    const r = await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      entry('uuid-1', 'ada.king', {
        fields: { firstname: 'Augusta', surname: 'Lovelace', email: 'ada@example.org' },
      }),
    );
    assert.equal(r.action, 'renamed');
    assert.equal(r.personId, u.personId);
    assert.equal((await app.core.people.row(r.personId!)).username, 'ada.king');
  });

  it('blocks a disabled entry (by the directory) and lifts only its own block', async () => {
    const base = {
      fields: { firstname: 'Augusta', surname: 'Lovelace', email: 'ada@example.org' },
    };
    const b = await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      entry('uuid-1', 'ada.king', { ...base, active: false }),
    );
    assert.equal(b.action, 'blocked');
    let p = await app.core.people.row(b.personId!);
    assert.equal(p.state, 'blocked');
    assert.equal(p.blocked_by, 'directory');
    const back = await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      entry('uuid-1', 'ada.king', base),
    );
    assert.equal(back.action, 'reactivated');
    // An administrator's block is never lifted by a sync.
    await app.core.people.block(admin, b.personId!, 'left the company');
    const kept = await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      entry('uuid-1', 'ada.king', base),
    );
    assert.notEqual(kept.action, 'reactivated');
    p = await app.core.people.row(b.personId!);
    assert.equal(p.state, 'blocked');
    assert.equal(p.blocked_by, 'admin');
  });

  it('adopts the local account with the same username: same id, now owned by the directory', async () => {
    const local = await app.core.people.create(admin, {
      username: 'grace',
      firstname: 'Grace',
      surname: 'Hopper',
      email: 'grace@example.org',
      password: 'a-long-local-password',
    });
    const o = await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      entry('uuid-2', 'grace', {
        fields: { firstname: 'Grace', surname: 'Hopper', email: 'grace@example.org' },
      }),
    );
    assert.equal(o.action, 'adopted');
    assert.equal(o.personId, local.id);
    const p = await app.core.people.row(local.id);
    assert.equal(p.directory_id, dir.id);
    assert.equal(p.origin, 'api');
    assert.equal(p.password_authority, 'directory');
    assert.equal(p.password_hash, null);
  });

  it('refuses, for that entry alone, a username held by another directory or by a local account when adoption is off', async () => {
    const scimActor: Actor = {
      personId: null,
      label: 'directory:Okta',
      gate: 'scim',
      directoryId: strict.id,
    };
    const other = await app.core.directorySync.applyEntry(
      scimActor,
      strict.id,
      entry('okta-9', 'grace'),
    );
    assert.equal(other.action, 'error');
    assert.match(other.error!.message, /Corp LDAP/);
    await app.core.people.create(admin, {
      username: 'linus',
      firstname: 'Linus',
      surname: 'T',
      email: 'linus@example.org',
    });
    const local = await app.core.directorySync.applyEntry(
      scimActor,
      strict.id,
      entry('okta-10', 'linus'),
    );
    assert.equal(local.action, 'error');
    assert.match(local.error!.message, /does not adopt/);
    assert.equal((await app.core.people.findByUsername('linus'))!.directory_id, null);
  });

  it('never adopts an administrator’s local account (whoever controls the directory would control Gatehouse)', async () => {
    const boss = await app.core.people.create(admin, {
      username: 'rootish',
      firstname: 'Root',
      surname: 'Ish',
      email: 'rootish@example.org',
    });
    await app.core.grants.setMany(admin, boss.id, { sysadmin: true });
    const o = await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      entry('uuid-admin', 'rootish'),
    );
    assert.equal(o.action, 'error');
    assert.match(o.error!.message, /administrator/);
    const full = await app.core.syncRunner.run(
      admin,
      await app.core.directories.get(dir.id),
      {
        // eslint-disable-next-line @typescript-eslint/require-await
        read: async function* () {
          yield [entry('uuid-admin', 'rootish')];
        },
      },
      { dryRun: true, confirmMassBlock: true, trigger: 'manual' },
    );
    assert.equal(full.counts.errors, 1);
    assert.equal((await app.core.people.row(boss.id)).directory_id, null);
  });

  it('blocks a removed entry, never deletes it, and brings the same account back under a new stable id', async () => {
    const c = await app.core.directorySync.applyEntry(actor, dir.id, entry('uuid-3', 'alan'));
    const gone = await app.core.directorySync.removeEntry(actor, dir.id, 'uuid-3');
    assert.equal(gone.action, 'blocked');
    assert.equal((await app.core.people.row(c.personId!)).state, 'blocked');
    const back = await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      entry('uuid-3-new', 'alan'),
    );
    assert.equal(back.action, 'reactivated');
    assert.equal(back.personId, c.personId);
    assert.equal(await app.core.directorySync.personFor(dir.id, 'uuid-3-new'), c.personId);
  });

  it('refuses a second live entry with a username the directory already uses', async () => {
    await app.core.directorySync.applyEntry(actor, dir.id, entry('uuid-4', 'edsger'));
    const twin = await app.core.directorySync.applyEntry(actor, dir.id, entry('uuid-5', 'edsger'));
    assert.equal(twin.action, 'error');
  });

  it('a dry run answers what would happen and writes nothing', async () => {
    const before = (await app.core.audit.list({}, 0, 1)).total;
    const o = await app.core.directorySync.applyEntry(actor, dir.id, entry('uuid-6', 'barbara'), {
      dryRun: true,
    });
    assert.equal(o.action, 'created');
    assert.equal(await app.core.people.findByUsername('barbara'), undefined);
    assert.equal((await app.core.audit.list({}, 0, 1)).total, before);
  });

  it('stores an emptied user code as none: two entries without one never collide', async () => {
    const withCode = (id: string, username: string, user_code: string) =>
      entry(id, username, {
        fields: { firstname: 'C', surname: 'D', email: `${username}@example.org`, user_code },
      });
    const c = await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      withCode('uuid-c1', 'carol', 'C-9'),
    );
    assert.equal(c.action, 'created');
    const d = await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      withCode('uuid-c2', 'dora', 'D-9'),
    );
    assert.equal(d.action, 'created');
    // The directory empties both codes (an attribute removed, or sent as ""): on update.
    for (const [id, username, code] of [
      ['uuid-c1', 'carol', ''],
      ['uuid-c2', 'dora', '  '],
    ] as const) {
      const o = await app.core.directorySync.applyEntry(
        actor,
        dir.id,
        withCode(id, username, code),
      );
      assert.equal(o.action, 'updated', JSON.stringify(o));
      assert.deepEqual(o.changes.user_code, [username === 'carol' ? 'C-9' : 'D-9', null]);
    }
    for (const username of ['carol', 'dora'])
      assert.equal((await app.core.people.findByUsername(username))?.user_code, null);
    // An empty code on create is none too, and a third account without one still fits.
    const e = await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      withCode('uuid-c3', 'erin', ''),
    );
    assert.equal(e.action, 'created', JSON.stringify(e));
    assert.equal((await app.core.people.findByUsername('erin'))?.user_code, null);
  });

  it('creates an account while the profile-field definitions are not cached (no wait on its own transaction)', async () => {
    // Defining a field empties the cache: the next create reads the definitions, and must
    // read them in its own transaction (SQLite's one connection is held by it).
    await app.core.profileFields.create(admin, { name: 'badge', label: 'Badge', type: 'text' });
    const o = await app.core.directorySync.applyEntry(actor, dir.id, entry('uuid-pf', 'pfuser'));
    assert.equal(o.action, 'created', JSON.stringify(o));
  });

  it('the directory owns its mapped fields and state: another gate is refused', async () => {
    const id = (await app.core.directorySync.personFor(dir.id, 'uuid-4'))!;
    await assert.rejects(
      app.core.people.update(admin, id, { firstname: 'X' }),
      /managed by the directory/,
    );
    // An administrator may block a synced account (an emergency), but not lift the directory's block.
    await app.core.directorySync.applyEntry(
      actor,
      dir.id,
      entry('uuid-4', 'edsger', { active: false }),
    );
    await assert.rejects(
      app.core.people.update(admin, id, { state: 'active' }),
      /managed by the directory/,
    );
  });

  it('refuses to delete a directory that owns accounts; release makes them local, then delete works', async () => {
    await assert.rejects(app.core.directories.deleteDirectory(admin, dir.id), /owns accounts/);
    const { released } = await app.core.directories.release(admin, dir.id);
    assert.ok(released >= 4);
    const p = (await app.core.people.findByUsername('alan'))!;
    assert.equal(p.directory_id, null);
    await app.core.directories.deleteDirectory(admin, dir.id);
    await assert.rejects(app.core.directories.get(dir.id), /No directory/);
  });
});
