/** PeopleBatch behaviour fixed or added for CSV imports (core level, both engines). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.ts';
import { batchRow, csvAdmin } from '../helpers/batch.ts';
import type { App } from '../../src/app.ts';

const admin = csvAdmin;
const row = batchRow;

describe('core: people batch fixes for CSV', () => {
  let app: App & { dispose(): Promise<void> };
  before(async () => {
    app = await startTestApp();
    await app.core.groups.create(admin, { name: 'Sales' });
    await app.core.groups.create(admin, { name: 'Support' });
    await app.core.profileFields.create(admin, { name: 'buddy', label: 'Buddy', type: 'user' });
    await app.core.batch.apply(admin, [
      row(2, 'amy', {
        fields: { firstname: 'A', surname: 'A', email: 'one@example.org', user_code: 'C1' },
      }),
      row(3, 'ben', {
        fields: { firstname: 'B', surname: 'B', email: 'two@example.org', user_code: 'C2' },
      }),
    ]);
  });
  after(async () => {
    await app.dispose();
  });

  it('swaps emails and user codes between two people in one file', async () => {
    const r = await app.core.batch.apply(admin, [
      row(2, 'amy', { fields: { email: 'two@example.org', user_code: 'C2' } }),
      row(3, 'ben', { fields: { email: 'one@example.org', user_code: 'C1' } }),
    ]);
    assert.equal(r.applied, true, JSON.stringify(r.outcomes));
    assert.equal((await app.core.people.findByUsername('amy'))?.email, 'two@example.org');
    assert.equal((await app.core.people.findByUsername('ben'))?.user_code, 'C1');
  });

  it('reports group changes by name', async () => {
    const r = await app.core.batch.plan(admin, [
      row(2, 'amy', { fields: {}, groups: ['support', 'Sales'] }),
    ]);
    assert.deepEqual(r.outcomes[0]?.changes, { groups: [[], ['Sales', 'Support']] });
  });

  it('refuses user-select profile values that name nobody', async () => {
    const amy = await app.core.people.findByUsername('amy');
    const r = await app.core.batch.plan(admin, [
      row(2, 'amy', { fields: { profile: { buddy: 999_999 } } }),
      row(3, 'ben', { fields: { profile: { buddy: amy!.id } } }),
    ]);
    assert.equal(r.outcomes[0]?.errors?.[0]?.field, 'profile.buddy');
    assert.equal(r.outcomes[1]?.action, 'update');
  });

  it('sets an existing person’s manager to someone the same file creates', async () => {
    const r = await app.core.batch.apply(admin, [
      row(2, 'ben', { fields: {}, manager: { username: 'newboss' } }),
      row(3, 'newboss'),
    ]);
    assert.equal(r.applied, true, JSON.stringify(r.outcomes));
    const boss = await app.core.people.findByUsername('newboss');
    assert.equal((await app.core.people.findByUsername('ben'))?.manager_id, boss?.id);
    assert.deepEqual(r.outcomes[0]?.changes?.manager_id, [null, boss?.id]);
  });

  it('refuses, with valid_only, a row whose new manager is on a refused row', async () => {
    const r = await app.core.batch.apply(
      admin,
      [
        row(2, 'cal', { manager: { username: 'dee' } }),
        row(3, 'dee', { fields: { firstname: '' } }),
      ],
      { validOnly: true },
    );
    assert.equal(r.outcomes[0]?.action, 'error');
    assert.match(r.outcomes[0]?.errors?.[0]?.message ?? '', /row 3, which has errors/);
    assert.equal(await app.core.people.findByUsername('cal'), undefined);
  });
});
