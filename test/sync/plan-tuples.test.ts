/**
 * The plan reads linked accounts as arrays (src/store/array-rows.ts: a marker comment puts
 * better-sqlite3 in raw mode and pg in rowMode 'array'). These tuples must hold exactly what
 * the row objects hold, in PLAN_COLUMNS' order, on both engines, inside a transaction too;
 * and every other query on the same connections must still get objects.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ARRAY_ROWS_MARK } from '../../src/store/array-rows.ts';
import { startTestApp } from '../helpers/app.ts';
import type { App } from '../../src/app.ts';
import type { DirectoryEntry } from '../../src/core/sync/types.ts';
import type { DirectoryRecord } from '../../src/core/directories.ts';
import {
  PLAN_COLUMNS,
  planRowOf,
  planRowsByIds,
  planTuplesByIds,
  planValue,
} from '../../src/store/sync-repo.ts';
import { SYNC_TESTER as admin, offlineLdapDirectory, syncRun } from '../helpers/sync.ts';

function entry(i: number, manager: DirectoryEntry['manager']): DirectoryEntry {
  return {
    externalId: `guid-${i}`,
    username: `tup${i}`,
    dn: `cn=tup${i},ou=people,dc=example,dc=test`,
    fields: { firstname: `Ö${i}`, surname: `Last${i}`, email: `tup${i}@example.test` },
    profile: {},
    active: i !== 2,
    manager,
  };
}

describe('store: plan rows read as tuples', () => {
  let app: App & { dispose(): Promise<void> };
  let dir: DirectoryRecord;
  let ids: number[];
  before(async () => {
    app = await startTestApp({ GATEHOUSE_SECRET_KEY: 'c7'.repeat(32) });
    dir = await app.core.directories.createDirectory(
      admin,
      offlineLdapDirectory('Tuples', {
        mapping: { firstname: 'givenName', surname: 'sn', email: 'mail', manager_id: 'manager' },
      }),
    );
    const boss = 'cn=tup0,ou=people,dc=example,dc=test';
    const r = await syncRun(app, dir, [
      entry(0, null),
      entry(1, { kind: 'dn', ref: boss }),
      entry(2, { kind: 'dn', ref: boss }),
    ]);
    assert.equal(r.counts.created, 3);
    const rows = await app.store.db
      .selectFrom('people')
      .select('id')
      .where('directory_id', '=', dir.id)
      .orderBy('id')
      .execute();
    ids = rows.map((row) => row.id);
    assert.equal(ids.length, 3);
  });
  after(async () => {
    await app.dispose();
  });

  it("hold the row objects' values in PLAN_COLUMNS order, nulls and blocked state included", async () => {
    const objects = await planRowsByIds(app.store.db, ids);
    const tuples = await planTuplesByIds(app.store.db, ids);
    assert.equal(tuples.length, 3);
    const byId = new Map(tuples.map((t) => [planValue(t, 'id'), t]));
    for (const o of objects) {
      const t = byId.get(o.id);
      assert.ok(Array.isArray(t));
      assert.deepEqual(
        t,
        PLAN_COLUMNS.map((c) => o[c]),
      );
      assert.deepEqual(planRowOf(t), o);
    }
    const [boss, , blocked] = ids.map((id) => byId.get(id)!);
    assert.equal(planValue(boss!, 'manager_id'), null);
    assert.equal(planValue(blocked!, 'manager_id'), ids[0]);
    assert.equal(planValue(blocked!, 'state'), 'blocked');
    assert.equal(planValue(blocked!, 'firstname'), 'Ö2');
  });

  it("see a transaction's own writes, and leave other queries on the connection as objects", async () => {
    await app.store.db
      .transaction()
      .execute(async (trx) => {
        await trx
          .updateTable('people')
          .set({ surname: 'Changed' })
          .where('id', '=', ids[1]!)
          .execute();
        const [t] = await planTuplesByIds(trx, [ids[1]!]);
        assert.equal(planValue(t!, 'surname'), 'Changed');
        const [o] = await planRowsByIds(trx, [ids[1]!]);
        assert.equal(Array.isArray(o), false);
        assert.equal(o!.surname, 'Changed');
        const raw = await sql<{ n: number }>`SELECT 1 AS n`.execute(trx);
        assert.deepEqual(raw.rows, [{ n: 1 }]);
        throw new Rollback();
      })
      .catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
    const [t] = await planTuplesByIds(app.store.db, [ids[1]!]);
    assert.equal(planValue(t!, 'surname'), 'Last1');
  });

  it("come as arrays from the engine's own client (not made from objects afterwards)", async () => {
    const q = app.store.db
      .selectFrom('people')
      .select(['id', 'username'])
      .where('id', '=', ids[0]!);
    const compiled = q.compile();
    const marked = await app.store.db.executeQuery({
      ...compiled,
      sql: ARRAY_ROWS_MARK + compiled.sql,
    });
    assert.deepEqual(marked.rows, [[ids[0], 'tup0']]);
    const plain = await app.store.db.executeQuery(compiled);
    assert.deepEqual(plain.rows, [{ id: ids[0], username: 'tup0' }]);
  });

  it('an empty id list reads nothing', async () => {
    assert.deepEqual(await planTuplesByIds(app.store.db, []), []);
  });
});

class Rollback extends Error {}
