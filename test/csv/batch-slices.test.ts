/**
 * PeopleBatch on batches larger than one slice (the core plans and writes 50 rows at a time):
 * rules that span rows still see the whole batch, and a new person whose manager is created
 * by a later row (in a later slice) gets that manager, in the record and in its audit event.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.ts';
import { batchRow, csvAdmin } from '../helpers/batch.ts';
import type { App } from '../../src/app.ts';
import type { BatchRow } from '../../src/core/people-batch/index.ts';

const admin = csvAdmin;
const row = batchRow;

describe('core: people batches across slices', () => {
  let app: App & { dispose(): Promise<void> };
  before(async () => {
    app = await startTestApp();
    await app.core.groups.create(admin, { name: 'Sales' });
    await app.core.batch.apply(admin, [row(2, 'old')]);
  });
  after(async () => {
    await app.dispose();
  });

  it('gives new people, and an existing one, managers created 100 rows later', async () => {
    // Rows 2–101 name as manager the person on the row 100 further down (rows 102–201).
    const rows: BatchRow[] = [];
    for (let i = 0; i < 100; i++)
      rows.push(row(2 + i, `staff${i}`, { manager: { username: `boss${i}` }, groups: ['Sales'] }));
    for (let i = 0; i < 100; i++) rows.push(row(102 + i, `boss${i}`));
    rows.push(row(202, 'old', { fields: {}, manager: { username: 'boss7' } }));
    const r = await app.core.batch.apply(admin, rows);
    assert.equal(r.applied, true, JSON.stringify(r.outcomes.filter((o) => o.errors)));
    assert.deepEqual(r.summary, { rows: 201, create: 200, update: 1, unchanged: 0, error: 0 });
    for (const i of [0, 49, 50, 99]) {
      const staff = await app.core.people.findByUsername(`staff${i}`);
      const boss = await app.core.people.findByUsername(`boss${i}`);
      assert.ok(boss);
      assert.equal(staff?.manager_id, boss.id, `staff${i}`);
      assert.deepEqual(
        (await app.core.groups.ofPerson(staff.id)).map((g) => g.name),
        ['Sales'],
      );
      assert.equal(r.outcomes[i]?.person_id, staff.id);
      const audit = await app.store.db
        .selectFrom('audit_events')
        .select('changes')
        .where('action', '=', 'person.create')
        .where('target_id', '=', String(staff.id))
        .executeTakeFirstOrThrow();
      const changes = JSON.parse(audit.changes!) as Record<string, unknown>;
      assert.deepEqual(changes.manager_id, [null, boss.id]);
      assert.deepEqual(changes.username, [null, `staff${i}`]);
    }
    const old = await app.core.people.findByUsername('old');
    const boss7 = await app.core.people.findByUsername('boss7');
    assert.equal(old?.manager_id, boss7?.id);
    assert.deepEqual(r.outcomes[200]?.changes?.manager_id, [null, boss7?.id]);
  });

  it('refuses duplicates, shared emails and loops that are slices apart', async () => {
    const rows: BatchRow[] = [];
    for (let i = 0; i < 150; i++) rows.push(row(2 + i, `p${i}`));
    rows[3] = row(5, 'twin');
    rows[140] = row(142, 'twin');
    rows[10] = row(12, 'mail1', {
      fields: { firstname: 'F', surname: 'S', email: 'x@example.org' },
    });
    rows[120] = row(122, 'mail2', {
      fields: { firstname: 'F', surname: 'S', email: 'x@example.org' },
    });
    rows[20] = row(22, 'loopa', { manager: { username: 'loopb' } });
    rows[130] = row(132, 'loopb', { manager: { username: 'loopa' } });
    const r = await app.core.batch.plan(admin, rows);
    const problem = (n: number) => r.outcomes[n]?.errors?.map((e) => e.field);
    assert.deepEqual(problem(3), ['username']);
    assert.deepEqual(problem(140), ['username']);
    assert.equal(r.outcomes[10]?.action, 'create');
    assert.deepEqual(problem(120), ['email']);
    assert.deepEqual(problem(20), ['manager']);
    assert.deepEqual(problem(130), ['manager']);
    assert.equal(r.summary.error, 5);
  });
});
