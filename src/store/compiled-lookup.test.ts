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
