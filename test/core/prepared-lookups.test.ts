/**
 * The single-row lookups every request makes (store/prepared.ts) run as prepared statements on
 * PostgreSQL, and keep working when another server's migration adds a column meanwhile.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp } from '../helpers/app.ts';
import { csvAdmin } from '../helpers/batch.ts';
import type { App } from '../../src/app.ts';
import { findPerson } from '../../src/store/people-repo.ts';
import { findApiKeyForAuth, findSession } from '../../src/store/auth-repo.ts';
import { findScimTokenForAuth } from '../../src/store/scim-tokens.ts';

describe('store: prepared lookups', () => {
  let app: App & { dispose(): Promise<void> };
  let personId: number;
  before(async () => {
    app = await startTestApp();
    personId = (
      await app.core.people.create(csvAdmin, {
        username: 'prepared',
        firstname: 'Pre',
        surname: 'Pared',
        email: 'prepared@example.org',
      })
    ).id;
  });
  after(async () => {
    await app.dispose();
  });

  it('answers as before, and a column added meanwhile changes nothing', async () => {
    await app.store.db.connection().execute(async (c) => {
      const before = await findPerson(c, personId);
      assert.equal(before?.username, 'prepared');
      assert.equal(await findApiKeyForAuth(c, 'no-such-hash'), undefined);
      assert.equal(await findSession(c, 'no-such-hash'), undefined);
      assert.equal(await findScimTokenForAuth(c, 'no-such-hash'), undefined);
      if (app.store.caps.engine === 'postgres') {
        const names = await sql<{ name: string }>`
          SELECT name FROM pg_prepared_statements ORDER BY name`.execute(c);
        assert.deepEqual(
          names.rows.map((r) => r.name),
          ['gatehouse_lookup_0', 'gatehouse_lookup_1', 'gatehouse_lookup_2', 'gatehouse_lookup_3'],
        );
      }
      // What a newer server's migration does while this one runs.
      await sql`ALTER TABLE people ADD COLUMN added_later text`.execute(c);
      try {
        const after = await findPerson(c, personId);
        assert.deepEqual(after, before);
      } finally {
        await sql`ALTER TABLE people DROP COLUMN added_later`.execute(c);
      }
    });
  });
});
