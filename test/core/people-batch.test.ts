import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.ts';
import type { App } from '../../src/app.ts';
import type { Actor } from '../../src/core/context.ts';
import type { BatchRow } from '../../src/core/people-batch/index.ts';

const admin: Actor = { personId: null, label: 'importer', gate: 'csv' };
const row = (
  n: number,
  username: string,
  fields: BatchRow['fields'] = {},
  extra: Partial<BatchRow> = {},
): BatchRow => ({
  row: n,
  username,
  fields: { firstname: 'F', surname: 'S', email: `${username}@example.org`, ...fields },
  ...extra,
});

describe('core: people batches (CSV and sync engine)', () => {
  let app: App & { dispose(): Promise<void> };
  before(async () => {
    app = await startTestApp();
    await app.core.groups.create(admin, { name: 'Sales' });
    await app.core.groups.create(admin, { name: 'Support' });
    await app.core.extranets.create(admin, { name: 'Partners' });
  });
  after(async () => {
    await app.dispose();
  });

  it('plans creates without writing anything', async () => {
    const r = await app.core.batch.plan(admin, [row(2, 'ann'), row(3, 'bob')]);
    assert.equal(r.applied, false);
    assert.deepEqual(r.summary, { rows: 2, create: 2, update: 0, unchanged: 0, error: 0 });
    assert.equal(await app.core.people.findByUsername('ann'), undefined);
  });

  it('applies creates with memberships, extranet and a manager named in the same batch', async () => {
    const r = await app.core.batch.apply(admin, [
      row(
        2,
        'ann',
        {},
        { groups: ['sales', 'Support'], extranet: 'Partners', manager: { username: 'boss' } },
      ),
      row(3, 'boss'),
    ]);
    assert.equal(r.applied, true, JSON.stringify(r.outcomes));
    const ann = await app.core.people.findByUsername('ann');
    const boss = await app.core.people.findByUsername('boss');
    assert.equal(ann?.origin, 'csv');
    assert.equal(ann?.manager_id, boss?.id);
    assert.ok(ann?.extranet_id);
    assert.deepEqual(
      (await app.core.groups.ofPerson(ann.id)).map((g) => g.name),
      ['Sales', 'Support'],
    );
  });

  it('reports updates with their field changes, and unchanged rows', async () => {
    const r = await app.core.batch.plan(admin, [
      row(2, 'ann', { job_title: 'Lead' }, { groups: ['Sales', 'Support'] }),
      row(3, 'boss'),
    ]);
    assert.equal(r.outcomes[0]?.action, 'update');
    assert.deepEqual(r.outcomes[0]?.changes, { job_title: ['', 'Lead'] });
    assert.equal(r.outcomes[1]?.action, 'unchanged');
  });

  it('applies nothing when any row has an error, unless asked to apply the valid rows', async () => {
    const rows = [row(2, 'carl'), row(3, 'dora', { email: 'not-an-email' }), row(4, 'carl')];
    const dry = await app.core.batch.apply(admin, rows);
    assert.equal(dry.applied, false);
    assert.equal(dry.summary.error, 3); // both rows of a repeated username, and dora
    assert.match(dry.outcomes[2]?.errors?.[0]?.message ?? '', /also on row 2/);
    assert.equal(await app.core.people.findByUsername('carl'), undefined);
    const some = await app.core.batch.apply(admin, rows.slice(0, 2), { validOnly: true });
    assert.equal(some.applied, true);
    assert.ok(await app.core.people.findByUsername('carl'));
    assert.equal(await app.core.people.findByUsername('dora'), undefined);
  });

  it('names unknown groups, taken emails and manager loops per row', async () => {
    const boss = await app.core.people.findByUsername('boss');
    const ann = await app.core.people.findByUsername('ann');
    const r = await app.core.batch.plan(admin, [
      row(2, 'erin', {}, { groups: ['Nope'] }),
      row(3, 'fred', { email: 'ann@example.org' }),
      row(4, 'boss', {}, { manager: { id: ann!.id } }),
    ]);
    assert.deepEqual(
      r.outcomes.map((o) => o.errors?.[0]?.field),
      ['groups', 'email', 'manager'],
    );
    assert.ok(boss);
  });

  it('keeps directory-owned fields for the directory, and never lifts an administrator block from a sync', async () => {
    const dir = await app.core.directories.create(admin, {
      name: 'LDAP',
      kind: 'ldap',
      owned_fields: ['email'],
    });
    const sync: Actor = { personId: null, label: 'ldap', gate: 'ldap', directoryId: dir.id };
    const created = await app.core.batch.apply(sync, [row(2, 'gina')]);
    assert.equal(created.applied, true);
    const gina = (await app.core.people.findByUsername('gina'))!;
    assert.equal(gina.directory_id, dir.id);
    const refused = await app.core.batch.plan(admin, [
      row(2, 'gina', { email: 'g@example.org', job_title: 'ok' }),
    ]);
    assert.deepEqual(
      refused.outcomes[0]?.errors?.map((e) => e.field),
      ['email'],
    );
    await app.core.people.block(
      { personId: null, label: 'admin', gate: 'api' },
      gina.id,
      'investigation',
    );
    const back = await app.core.batch.apply(sync, [row(2, 'gina', {}, { state: 'active' })]);
    assert.equal(back.outcomes[0]?.action, 'unchanged');
    assert.equal((await app.core.people.get(gina.id)).state, 'blocked');
  });
});
