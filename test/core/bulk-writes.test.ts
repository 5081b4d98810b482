/**
 * The bulk writes of people batches (store/bulk-insert.ts, and the audit events of batch
 * creates), which bypass the query builder for speed: same rows, same order, same audit as
 * the single-person path, on both engines.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.ts';
import { batchRow, csvAdmin } from '../helpers/batch.ts';
import type { App } from '../../src/app.ts';
import { sql } from 'kysely';
import { bulkInsert } from '../../src/store/bulk-insert.ts';
import { inBulkWrite } from '../../src/store/bulk-write.ts';
import { insertPeople, type Executor } from '../../src/store/people-repo.ts';
import { newPersonRow } from '../../src/core/person.ts';
import type { NewPersonRow } from '../../src/store/schema.ts';

function personSpec(n: number) {
  return {
    username: `bulk${n}`,
    user_code: n % 2 === 0 ? `C${n}` : null,
    firstname: `Fïrst ${n}`,
    surname: "O'Brien",
    email: `bulk${n}@example.org`,
    job_title: '',
    department: n % 3 === 0 ? 'Sales' : '',
    office: '',
    phone: '',
    mobile: '',
    manager_id: null,
    extranet_id: null,
    state: 'active' as const,
    blocked_by: null,
    blocked_by_person_id: null,
    directory_id: null,
    password_authority: 'local' as const,
    password_hash: null,
    must_change_password: n % 2 === 1,
    origin: 'csv' as const,
    origin_source: 'bulk.csv',
    profile: { note: `n=${n}` },
  };
}

async function auditChangesOf(app: App, username: string): Promise<Record<string, unknown>> {
  const row = await app.store.db
    .selectFrom('audit_events')
    .select('changes')
    .where('action', '=', 'person.create')
    .where('target_label', '=', username)
    .executeTakeFirstOrThrow();
  return JSON.parse(row.changes!) as Record<string, unknown>;
}

describe('core: bulk writes of people batches', () => {
  let app: App & { dispose(): Promise<void> };
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.dispose();
  });

  it('insertPeople writes every row over several statements and returns the ids in row order', async () => {
    const rows: NewPersonRow[] = Array.from({ length: 23 }, (_, n) =>
      newPersonRow(personSpec(n), true, '2026-01-02T03:04:05.000Z'),
    );
    // 34 columns and at most 100 parameters: two rows per statement, twelve statements.
    const ids = await app.store.db
      .transaction()
      .execute((tx) => insertPeople(tx, app.store.caps, rows, 100));
    assert.equal(ids.length, 23);
    assert.equal(new Set(ids).size, 23);
    const stored = await app.store.db
      .selectFrom('people')
      .selectAll()
      .where('id', 'in', ids)
      .execute();
    const byId = new Map(stored.map((p) => [p.id, p]));
    ids.forEach((id, n) => {
      const p = byId.get(id)!;
      assert.equal(p.username, `bulk${n}`);
      assert.equal(p.user_code, n % 2 === 0 ? `C${n}` : null);
      assert.equal(p.firstname, `Fïrst ${n}`);
      assert.equal(p.surname, "O'Brien");
      assert.equal(p.must_change_password, n % 2);
      assert.deepEqual(JSON.parse(p.profile), { note: `n=${n}` });
      assert.equal(p.search_text, rows[n]!.search_text);
    });
  });

  it('bulkInsert refuses a row without a value for a column, and its transaction writes nothing', async () => {
    const good = newPersonRow(personSpec(100), true, '2026-01-02T03:04:05.000Z');
    const bad = { ...newPersonRow(personSpec(101), true, '2026-01-02T03:04:05.000Z') };
    delete (bad as Partial<NewPersonRow>).office;
    const columns = Object.keys(good) as (keyof NewPersonRow)[];
    await assert.rejects(
      app.store.db
        .transaction()
        .execute((tx) =>
          bulkInsert(tx, app.store.caps, 'people', columns, [good, bad], { maxParameters: 40 }),
        ),
      /row 1 has no value for "office"/,
    );
    assert.equal(await app.core.people.findByUsername('bulk100'), undefined);
  });

  it('bulkInsert writes only plain names into its SQL, each once', async () => {
    const row = { username: 'x', 'username"); DROP TABLE people; --': 'y' };
    await assert.rejects(
      bulkInsert(
        app.store.db,
        app.store.caps,
        'people',
        Object.keys(row) as (keyof typeof row)[],
        [row],
        {
          maxParameters: 100,
        },
      ),
      /column "username"\); DROP TABLE people; --" is not a plain name/,
    );
    const twice = { username: 'x' };
    await assert.rejects(
      bulkInsert(app.store.db, app.store.caps, 'people', ['username', 'username'], [twice], {
        maxParameters: 100,
      }),
      /columns named twice/,
    );
    assert.ok(await app.store.db.selectFrom('people').select('id').executeTakeFirst());
  });

  it('a batch create and a single create record the same audit changes', async () => {
    const fields = { job_title: 'Engineer', department: 'R&D', phone: '+44 1', profile: {} };
    const r = await app.core.batch.apply(csvAdmin, [
      batchRow(2, 'viabatch', {
        fields: { firstname: 'Ada', surname: 'Byron', email: 'same@example.org', ...fields },
      }),
      batchRow(3, 'withpassword', { password: 'A-long-enough-passphrase-1' }),
    ]);
    assert.equal(r.applied, true, JSON.stringify(r.outcomes));
    await app.core.people.create(csvAdmin, {
      username: 'viasingle',
      firstname: 'Ada',
      surname: 'Byron',
      email: 'other@example.org',
      ...fields,
    });
    const batch = await auditChangesOf(app, 'viabatch');
    const single = await auditChangesOf(app, 'viasingle');
    assert.deepEqual(batch.username, [null, 'viabatch']);
    assert.deepEqual(batch.job_title, [null, 'Engineer']);
    for (const c of [batch, single]) {
      delete c.username;
      delete c.email;
      delete c.origin; // each gate names itself: csv for the batch, the actor's gate for a single create
    }
    assert.deepEqual(batch, single);
    const secret = await auditChangesOf(app, 'withpassword');
    assert.deepEqual(secret.password, ['[redacted]', '[redacted]']);
    assert.ok(!JSON.stringify(secret).includes('argon2'), 'no hash in the audit');
  });

  it('a batch writes with statement journals in memory on SQLite, and leaves the setting as it was', async () => {
    const tempStore = async (db: Executor) =>
      (await sql<{ temp_store: number }>`PRAGMA temp_store`.execute(db)).rows[0]?.temp_store;
    const sqlite = app.store.caps.engine === 'sqlite';
    if (sqlite) assert.equal(await tempStore(app.store.db), 0);
    let during: number | undefined;
    const r = await app.core.batch.apply(
      csvAdmin,
      Array.from({ length: 120 }, (_, i) => batchRow(i + 2, `journal${i}`)),
      {
        beforeCommit: async (tx) => {
          if (sqlite) during = await tempStore(tx);
        },
      },
    );
    assert.equal(r.applied, true, JSON.stringify(r.outcomes.filter((o) => o.errors)));
    assert.equal(r.summary.create, 120);
    if (!sqlite) return;
    assert.equal(during, 2, 'MEMORY inside the write');
    assert.equal(await tempStore(app.store.db), 0, 'back to the default after it');
    // Overlapping bulk writes: the setting is undone when the last one ends, and after a failure.
    await inBulkWrite(app.store, async () => {
      await assert.rejects(
        inBulkWrite(app.store, () => Promise.reject(new Error('inner failed'))),
        /inner failed/,
      );
      assert.equal(await tempStore(app.store.db), 2, 'still MEMORY while the outer write runs');
    });
    assert.equal(await tempStore(app.store.db), 0);
  });
});
