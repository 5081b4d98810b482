import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DB } from './schema.ts';
import type { Executor } from './people-repo.ts';
import { compiledLookup } from './compiled-lookup.ts';

describe('compiled lookups', () => {
  const raw = new Database(':memory:');
  raw.exec('CREATE TABLE people (id INTEGER PRIMARY KEY, username TEXT, state TEXT)');
  raw.exec("INSERT INTO people VALUES (1, 'ann', 'active'), (2, 'bob', 'blocked')");
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: raw }) });

  it('answers each call with its own values from the one compiled query', async () => {
    const byId = compiledLookup(
      'byId',
      (d: Executor, id: number) =>
        d.selectFrom('people').select(['id', 'username']).where('id', '=', id),
      [[1], [2]],
    );
    assert.deepEqual(await byId(db, 2), [{ id: 2, username: 'bob' }]);
    assert.deepEqual(await byId(db, 1), [{ id: 1, username: 'ann' }]);
    assert.deepEqual(await byId(db, 3), []);
  });

  it('compiles once for a database and all its transactions', async () => {
    let builds = 0;
    const byId = compiledLookup(
      'byIdCounted',
      (d: Executor, id: number) => {
        builds++;
        return d.selectFrom('people').select('username').where('id', '=', id);
      },
      [[1], [2]],
    );
    assert.deepEqual(await byId(db, 1), [{ username: 'ann' }]);
    for (const id of [2, 1])
      assert.deepEqual(await db.transaction().execute((tx) => byId(tx, id)), [
        { username: id === 1 ? 'ann' : 'bob' },
      ]);
    // Two samples, built once when first compiled; never again, not per transaction.
    assert.equal(builds, 2);
  });

  it('compiles writes too: the values go where the call puts them', async () => {
    const rename = compiledLookup(
      'rename',
      (d: Executor, username: string, id: number) =>
        d.updateTable('people').set({ username }).where('id', '=', id),
      [
        ['a', 1],
        ['b', 2],
      ],
    );
    await db.transaction().execute((tx) => rename(tx, 'carol', 2));
    assert.deepEqual(raw.prepare('SELECT id, username FROM people ORDER BY id').all(), [
      { id: 1, username: 'ann' },
      { id: 2, username: 'carol' },
    ]);
    await rename(db, 'bob', 2);
  });

  it('refuses at once a lookup whose parameters are not exactly its arguments', async () => {
    // A constant bound as a parameter would be replaced by the call's values: wrong rows.
    const withConstant = compiledLookup(
      'withConstant',
      (d: Executor, id: number) =>
        d.selectFrom('people').select('id').where('state', '=', 'active').where('id', '=', id),
      [[1], [2]],
    );
    await assert.rejects(withConstant(db, 1), /cannot be compiled once/);
  });
});
