/**
 * Migration 0019 (identity links kept in their key's order on SQLite) on a database that
 * already holds links of directories and identity providers: every link is kept, and the
 * core's reads and writes of links work on what was copied (by key, by person, the key's
 * uniqueness, the cascade when an account goes).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { freshDatabase } from '../helpers/engine.ts';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { batchRow, csvAdmin } from '../helpers/batch.ts';
import { migrate } from '../../src/store/database.ts';
import {
  identitiesOfPerson,
  insertIdentity,
  personForIdentity,
} from '../../src/store/identity-repo.ts';
import { linkOfPerson, linksOfProvider } from '../../src/store/sync-repo.ts';

describe('migrations: 0019 on a database that already holds identity links', () => {
  it('keeps every link, and links read, refuse duplicates and cascade as before', async () => {
    const db = await freshDatabase();
    const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...db.env }), {
      migrate: false,
    });
    try {
      await migrate(app.store, '0018_scim_compact');
      const r = await app.core.batch.apply(
        csvAdmin,
        Array.from({ length: 4 }, (_, i) => batchRow(i + 2, `linked${i}`)),
      );
      assert.equal(r.applied, true);
      const ids = r.outcomes.map((o) => o.person_id!);
      const at = new Date().toISOString();
      // Two directories and an identity provider; the first person has a link in each.
      const links = [
        ['directory:1', 'uid=a,ou=people', ids[0]!],
        ['directory:1', 'uid=b,ou=people', ids[1]!],
        ['directory:2', '0190a1b2-0000-7000-8000-000000000001', ids[0]!],
        ['idp:3', 'subject-0', ids[0]!],
        ['idp:3', 'subject-2', ids[2]!],
      ] as const;
      for (const [provider, externalId, personId] of links)
        await sql`INSERT INTO external_identities (provider, external_id, person_id, created_at)
          VALUES (${provider}, ${externalId}, ${personId}, ${at})`.execute(app.store.db);

      assert.deepEqual(await migrate(app.store), ['0019_identity_links_keyed']);

      const rows = await app.store.db
        .selectFrom('external_identities')
        .select(['provider', 'external_id', 'person_id', 'created_at'])
        .orderBy('provider')
        .orderBy('external_id')
        .execute();
      assert.deepEqual(
        rows.map((l) => [l.provider, l.external_id, Number(l.person_id), l.created_at]),
        [...links].map((l) => [...l, at]),
      );
      if (app.store.caps.keyOrderedTables) {
        const table = await sql<{ sql: string }>`SELECT sql FROM sqlite_schema
          WHERE type = 'table' AND name = 'external_identities'`.execute(app.store.db);
        assert.match(table.rows[0]!.sql, /without rowid/i);
      }

      // By key, by person (the person index), and a directory's whole set.
      assert.equal(await personForIdentity(app.store.db, 'idp:3', 'subject-2'), ids[2]);
      assert.equal(await linkOfPerson(app.store.db, 'directory:1', ids[1]!), 'uid=b,ou=people');
      assert.deepEqual(
        (await identitiesOfPerson(app.store.db, ids[0]!)).map((l) => l.provider),
        ['directory:1', 'directory:2', 'idp:3'],
      );
      assert.deepEqual([...(await linksOfProvider(app.store.db, 'directory:1'))].sort(), [
        ['uid=a,ou=people', ids[0]],
        ['uid=b,ou=people', ids[1]],
      ]);
      // The key stays unique; a new link goes in beside the copied ones.
      await assert.rejects(insertIdentity(app.store.db, 'idp:3', 'subject-0', ids[3]!, at));
      await insertIdentity(app.store.db, 'idp:3', 'subject-3', ids[3]!, at);
      assert.equal(await personForIdentity(app.store.db, 'idp:3', 'subject-3'), ids[3]);
      // An account that goes takes its links with it (the foreign key's cascade).
      await sql`DELETE FROM people WHERE id = ${ids[0]!}`.execute(app.store.db);
      assert.deepEqual(await identitiesOfPerson(app.store.db, ids[0]!), []);
      assert.equal(
        await personForIdentity(app.store.db, 'directory:1', 'uid=a,ou=people'),
        undefined,
      );
      assert.equal(await personForIdentity(app.store.db, 'directory:1', 'uid=b,ou=people'), ids[1]);
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
