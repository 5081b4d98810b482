import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { Executor } from './people-repo.ts';
import { compiledLookup } from './compiled-lookup.ts';
import { DirectSqliteDialect, directReadsOf } from './sqlite-dialect.ts';
import { withStatementCache } from './statement-cache.ts';

describe('SQLite statements run at once when the connection is free', () => {
  const raw = new Database(':memory:');
  raw.exec('CREATE TABLE people (id INTEGER PRIMARY KEY, username TEXT)');
  raw.exec("INSERT INTO people VALUES (1, 'ann'), (2, 'bob')");
  const db = new Kysely<DB>({ dialect: new DirectSqliteDialect(withStatementCache(raw)) });
  const direct = directReadsOf(db.getExecutor().adapter)!;
  const nameOf = compiledLookup(
    'directNameOf',
    (d: Executor, id: number) => d.selectFrom('people').select('username').where('id', '=', id),
    [[1], [2]],
  );
  const SQL = 'select "username" from "people" where "id" = ?';

  it('runs a statement directly only while no one holds the connection', async () => {
    assert.deepEqual(direct.runNow(SQL, [1]), [{ username: 'ann' }]);
    let during: unknown[] | undefined = [];
    await db.connection().execute(async () => {
      during = direct.runNow(SQL, [1]);
      await Promise.resolve();
    });
    assert.equal(during, undefined);
    assert.deepEqual(direct.runNow(SQL, [2]), [{ username: 'bob' }]);
  });

  it("does not read another caller's open transaction: waits for it, then reads what it committed", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let renamed!: () => void;
    const inside = new Promise<void>((r) => (renamed = r));
    const writer = db.transaction().execute(async (tx) => {
      await tx.updateTable('people').set({ username: 'uncommitted' }).where('id', '=', 1).execute();
      renamed();
      await gate; // the transaction stays open across this await
      await tx.updateTable('people').set({ username: 'committed' }).where('id', '=', 1).execute();
    });
    await inside;
    let read: { username: string }[] | undefined;
    const reader = nameOf(db, 1).then((rows) => (read = rows as { username: string }[]));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(read, undefined, 'the read waited for the transaction');
    release();
    await writer;
    await reader;
    assert.deepEqual(read, [{ username: 'committed' }]);
    await db.updateTable('people').set({ username: 'ann' }).where('id', '=', 1).execute();
  });

  it('reads its own transaction through the transaction', async () => {
    const seen = await db
      .transaction()
      .execute(async (tx) => {
        await tx.updateTable('people').set({ username: 'mine' }).where('id', '=', 2).execute();
        const rows = await nameOf(tx, 2);
        throw Object.assign(new Error('roll back'), { rows });
      })
      .catch((err: { rows?: unknown }) => err.rows);
    assert.deepEqual(seen, [{ username: 'mine' }]);
    assert.deepEqual(await nameOf(db, 2), [{ username: 'bob' }]);
  });

  it('waits for a stream that holds the connection instead of running beside it', async () => {
    const streamed: string[] = [];
    const reads: Promise<unknown>[] = [];
    for await (const row of db.selectFrom('people').select('username').orderBy('id').stream()) {
      streamed.push(row.username);
      // better-sqlite3 refuses a statement while another is being iterated on the connection.
      reads.push(nameOf(db, 2));
    }
    assert.deepEqual(streamed, ['ann', 'bob']);
    assert.deepEqual(await Promise.all(reads), [[{ username: 'bob' }], [{ username: 'bob' }]]);
  });

  it('gives the rows Kysely gives: the same columns in the same order, the same values', async () => {
    const sql = 'select id, username, null as gone, 1.5 as half, id as username from people';
    const viaKysely = (await db.executeQuery(CompiledQuery.raw(sql, []))).rows;
    const now = direct.runNow(sql, [])!;
    assert.deepEqual(now, viaKysely);
    assert.deepEqual(
      now.map((r) => Object.keys(r as object)),
      viaKysely.map((r) => Object.keys(r as object)),
    );
    assert.deepEqual(now[0], { id: 1, username: 1, gone: null, half: 1.5 });
    assert.deepEqual(direct.runNow("update people set username = 'bob' where id = ?", [2]), []);
  });

  it('does not run a statement at once inside a transaction begun outside Kysely', () => {
    raw.exec('BEGIN');
    try {
      assert.equal(direct.runNow(SQL, [1]), undefined);
    } finally {
      raw.exec('ROLLBACK');
    }
  });
});
