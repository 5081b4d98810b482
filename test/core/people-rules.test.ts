import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.ts';
import { GatehouseError } from '../../src/core/errors.ts';
import type { Actor } from '../../src/core/context.ts';
import type { App } from '../../src/app.ts';

const admin: Actor = { personId: null, label: 'tester', gate: 'api' };
const person = (username: string, extra: Record<string, unknown> = {}) => ({
  username,
  firstname: 'F',
  surname: 'S',
  email: `${username}@example.org`,
  ...extra,
});

async function rejects(p: Promise<unknown>, type: string): Promise<GatehouseError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GatehouseError, String(e));
    assert.equal(e.type, type, e.message);
    return e;
  }
  assert.fail(`expected ${type}`);
}

describe('core: people rules', () => {
  let app: App & { dispose(): Promise<void> };
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.dispose();
  });

  it('keeps usernames, user codes and emails unique', async () => {
    await app.core.people.create(admin, person('unique1', { user_code: 'E-1' }));
    await rejects(
      app.core.people.create(admin, { ...person('x'), username: 'UNIQUE1 ' }),
      'username_taken',
    );
    await rejects(
      app.core.people.create(admin, person('unique2', { user_code: 'E-1' })),
      'user_code_taken',
    );
    await rejects(
      app.core.people.create(admin, { ...person('unique3'), email: 'Unique1@Example.org' }),
      'email_taken',
    );
  });

  it('writes the audit event in the same transaction: a refused change leaves no event', async () => {
    const before = (await app.core.audit.list({ action: 'person.create' }, 0, 1)).total;
    await rejects(app.core.people.create(admin, person('unique1')), 'username_taken');
    assert.equal((await app.core.audit.list({ action: 'person.create' }, 0, 1)).total, before);
    const p = await app.core.people.create(
      { ...admin, requestId: 'req-42' },
      person('audited', { password: 'a-secret-password' }),
    );
    const [event] = (
      await app.core.audit.list({ targetType: 'person', targetId: String(p.id) }, 0, 5)
    ).data;
    assert.equal(event?.action, 'person.create');
    assert.equal(event?.gate, 'api');
    assert.equal(event?.actor, 'tester');
    assert.equal(event?.request_id, 'req-42');
    assert.deepEqual(event?.changes?.username, [null, 'audited']);
    assert.ok(!JSON.stringify(event).includes('argon2'), 'no password hash in the audit log');
  });

  it('refuses manager loops and unknown managers', async () => {
    const a = await app.core.people.create(admin, person('boss'));
    const b = await app.core.people.create(admin, person('middle', { manager_id: a.id }));
    const c = await app.core.people.create(admin, person('worker', { manager_id: b.id }));
    await rejects(app.core.people.setManager(admin, a.id, c.id), 'manager_cycle');
    await rejects(app.core.people.setManager(admin, a.id, a.id), 'manager_cycle');
    await rejects(app.core.people.setManager(admin, a.id, 999_999), 'validation_failed');
    assert.deepEqual(await app.core.people.setSubordinates(admin, a.id, [b.id, c.id]), [
      b.id,
      c.id,
    ]);
    assert.equal((await app.core.people.get(c.id)).manager_id, a.id);
  });

  it('applies optimistic concurrency: a stale version is refused', async () => {
    const p = await app.core.people.create(admin, person('versioned'));
    const updated = await app.core.people.update(
      admin,
      p.id,
      { job_title: 'Engineer' },
      { ifVersion: p.version },
    );
    assert.equal(updated.version, p.version + 1);
    await rejects(
      app.core.people.update(admin, p.id, { job_title: 'Chef' }, { ifVersion: p.version }),
      'precondition_failed',
    );
  });

  it('lets only the owning directory change owned fields, state and password of a synced account', async () => {
    const dir = await app.core.directories.create(admin, {
      name: 'Corp LDAP',
      kind: 'ldap',
      owned_fields: ['firstname', 'email'],
    });
    const sync: Actor = {
      personId: null,
      label: 'directory:Corp LDAP',
      gate: 'ldap',
      directoryId: dir.id,
    };
    const s = await app.core.people.create(sync, person('synced', { directory_id: dir.id }));
    assert.equal(s.origin, 'ldap');
    assert.equal(s.password_authority, 'directory');
    const e = await rejects(
      app.core.people.update(admin, s.id, {
        firstname: 'X',
        email: 'x@example.org',
        job_title: 'ok',
      }),
      'field_owned_by_directory',
    );
    assert.deepEqual(e.fields?.map((f) => f.field).sort(), ['email', 'firstname']);
    await rejects(
      app.core.people.setPassword(admin, s.id, 'a-long-password'),
      'field_owned_by_directory',
    );
    await rejects(app.core.people.delete(admin, s.id), 'field_owned_by_directory');
    assert.equal(
      (await app.core.people.update(admin, s.id, { job_title: 'Analyst' })).job_title,
      'Analyst',
    );
    assert.equal(
      (await app.core.people.update(sync, s.id, { firstname: 'Renamed' })).firstname,
      'Renamed',
    );
  });

  it("never lets a sync lift an administrator's block, and lets it lift its own", async () => {
    const dir = await app.core.directories.create(admin, {
      name: 'HR',
      kind: 'scim',
      owned_fields: [],
    });
    const sync: Actor = { personId: null, label: 'scim', gate: 'scim', directoryId: dir.id };
    const s = await app.core.people.create(sync, person('blocky', { directory_id: dir.id }));
    await app.core.people.block(admin, s.id, 'Left the company');
    assert.equal((await app.core.people.unblock(sync, s.id)).state, 'blocked');
    await app.core.people.unblock(admin, s.id);
    const blocked = await app.core.people.block(sync, s.id, 'Gone from directory');
    assert.equal(blocked.blocked_by, 'directory');
    await rejects(app.core.people.unblock(admin, s.id), 'field_owned_by_directory');
    assert.equal((await app.core.people.unblock(sync, s.id)).state, 'active');
  });

  it('deletes a local account but keeps its audit trail, and frees its direct reports', async () => {
    const m = await app.core.people.create(admin, person('leaver'));
    const r = await app.core.people.create(admin, person('report', { manager_id: m.id }));
    await app.core.people.delete(admin, m.id);
    await rejects(app.core.people.get(m.id), 'not_found');
    const freed = await app.core.people.get(r.id);
    assert.equal(freed.manager_id, null);
    assert.equal(freed.version, r.version + 1, 'the report changed: its ETag must change too');
    const reportTrail = await app.core.audit.list(
      { targetType: 'person', targetId: String(r.id), action: 'person.set_manager' },
      0,
      5,
    );
    assert.deepEqual(reportTrail.data[0]?.changes, { manager_id: [m.id, null] });
    const trail = await app.core.audit.list(
      { targetType: 'person', targetId: String(m.id) },
      0,
      10,
    );
    assert.deepEqual(trail.data.map((e) => e.action).sort(), ['person.create', 'person.delete']);
  });

  it('validates custom profile fields by type', async () => {
    await app.core.profileFields.create(admin, {
      name: 'start_date',
      label: 'Start date',
      type: 'date',
    });
    await app.core.profileFields.create(admin, { name: 'buddy', label: 'Buddy', type: 'user' });
    const e = await rejects(
      app.core.people.create(
        admin,
        person('profiled', { profile: { start_date: '31/01/2026', nope: 1 } }),
      ),
      'validation_failed',
    );
    assert.deepEqual(e.fields?.map((f) => f.field).sort(), ['profile.nope', 'profile.start_date']);
    await rejects(
      app.core.people.create(admin, person('profiled', { profile: { buddy: 987654 } })),
      'validation_failed',
    );
    const ok = await app.core.people.create(
      admin,
      person('profiled', { profile: { start_date: '2026-01-31' } }),
    );
    assert.deepEqual(ok.profile, { start_date: '2026-01-31' });
  });
});

describe('core: required profile fields', () => {
  it('refuses to create a person without a required field, in single creates and batches', async () => {
    const app = await startTestApp();
    try {
      await app.core.profileFields.create(admin, {
        name: 'badge',
        label: 'Badge',
        type: 'string',
        required: true,
      });
      const e = await rejects(
        app.core.people.create(admin, person('nobadge')),
        'validation_failed',
      );
      assert.deepEqual(
        e.fields?.map((f) => f.field),
        ['profile.badge'],
      );
      const plan = await app.core.batch.plan(admin, [
        {
          row: 2,
          username: 'nobadge',
          fields: { firstname: 'F', surname: 'S', email: 'nb@example.org' },
        },
      ]);
      assert.deepEqual(
        plan.outcomes[0]?.errors?.map((f) => f.field),
        ['profile.badge'],
      );
      const ok = await app.core.people.create(
        admin,
        person('withbadge', { profile: { badge: 'B-7' } }),
      );
      assert.deepEqual(ok.profile, { badge: 'B-7' });
    } finally {
      await app.dispose();
    }
  });
});

describe('core: email uniqueness can be turned off', () => {
  it('accepts two accounts with one email when GATEHOUSE_EMAIL_UNIQUE=false', async () => {
    const app = await startTestApp({ GATEHOUSE_EMAIL_UNIQUE: 'false' });
    try {
      await app.core.people.create(admin, { ...person('shared1'), email: 'team@example.org' });
      await app.core.people.create(admin, { ...person('shared2'), email: 'team@example.org' });
    } finally {
      await app.dispose();
    }
  });
});
