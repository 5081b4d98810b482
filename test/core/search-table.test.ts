/**
 * people_search, the narrow copy of people.search_text that searches read (migrations 0004 on
 * SQLite, 0007 on PostgreSQL), is kept exact by triggers through every kind of write: single
 * creates, batch creates, renames, updates of other fields, deletes, rolled-back transactions.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp } from '../helpers/app.ts';
import { freshDatabase } from '../helpers/engine.ts';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { batchRow, csvAdmin } from '../helpers/batch.ts';
import type { App } from '../../src/app.ts';
import { migrate } from '../../src/store/database.ts';
import { TRIGRAM_INDEX } from '../../src/store/search-index.ts';

async function copiesMatch(app: App): Promise<void> {
  const r = await sql<{ people: number; copies: number; same: number }>`
    SELECT (SELECT count(*) FROM people) AS people,
           (SELECT count(*) FROM people_search) AS copies,
           (SELECT count(*) FROM people p JOIN people_search s ON s.id = p.id
             WHERE s.search_text = p.search_text) AS same`.execute(app.store.db);
  const { people, copies, same } = r.rows[0]!;
  assert.deepEqual([Number(copies), Number(same)], [Number(people), Number(people)]);
}

const usernames = async (app: App, q: string) =>
  (await app.core.people.list({ q }, { offset: 0, limit: 50 })).data.map((p) => p.username).sort();

describe('core: the search table follows every write to people', () => {
  let app: App & { dispose(): Promise<void> };
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.dispose();
  });

  it('creates, batches, renames, other updates and deletes', async () => {
    const ann = await app.core.people.create(csvAdmin, {
      username: 'ann',
      firstname: 'Ann',
      surname: 'Quixote',
      email: 'ann@example.org',
    });
    const r = await app.core.batch.apply(csvAdmin, [
      batchRow(2, 'bob', { fields: { firstname: 'Bob', surname: 'Quixote', email: 'b@x.org' } }),
      batchRow(3, 'cy', { fields: { firstname: 'Cy', surname: 'Zephyr', email: 'c@x.org' } }),
    ]);
    assert.equal(r.applied, true);
    await copiesMatch(app);
    assert.deepEqual(await usernames(app, 'quixote'), ['ann', 'bob']);

    await app.core.people.update(csvAdmin, ann.id, { surname: 'Wyvern' });
    await app.core.people.update(csvAdmin, ann.id, { job_title: 'Knight' });
    await copiesMatch(app);
    assert.deepEqual(await usernames(app, 'quixote'), ['bob']);
    assert.deepEqual(await usernames(app, 'wyvern'), ['ann']);

    const renamed = await app.core.batch.apply(csvAdmin, [
      batchRow(2, 'bob', { fields: { surname: 'Zephyr' } }),
    ]);
    assert.equal(renamed.applied, true);
    await copiesMatch(app);
    assert.deepEqual(await usernames(app, 'zephyr'), ['bob', 'cy']);

    const cy = await app.core.people.findByUsername('cy');
    await app.core.people.delete(csvAdmin, cy!.id);
    await copiesMatch(app);
    assert.deepEqual(await usernames(app, 'zephyr'), ['bob']);
  });

  it('statements that write many people at once', async () => {
    for (const n of [1, 2, 3])
      await app.core.people.create(csvAdmin, {
        username: `multi${n}`,
        firstname: 'Multi',
        surname: `Row${n}`,
        email: `multi${n}@example.org`,
      });
    await sql`UPDATE people SET search_text = search_text || ' sharedtag'
      WHERE username LIKE 'multi%'`.execute(app.store.db);
    await copiesMatch(app);
    assert.deepEqual(await usernames(app, 'sharedtag'), ['multi1', 'multi2', 'multi3']);
    await sql`DELETE FROM people WHERE username IN ('multi1', 'multi3')`.execute(app.store.db);
    await copiesMatch(app);
    assert.deepEqual(await usernames(app, 'sharedtag'), ['multi2']);
  });

  it('a rolled-back write leaves no copy behind', async () => {
    await assert.rejects(
      app.store.db.transaction().execute(async (tx) => {
        await sql`UPDATE people SET search_text = 'ghost text' WHERE username = 'bob'`.execute(tx);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    await copiesMatch(app);
    assert.deepEqual(await usernames(app, 'ghost'), []);
  });

  it('a start after pg_trgm appears builds the missing trigram index (PostgreSQL); migrating again changes nothing', async () => {
    const indexExists = async () =>
      (
        await sql<{ n: number }>`SELECT count(*) AS n FROM pg_indexes
          WHERE indexname = ${TRIGRAM_INDEX}`.execute(app.store.db)
      ).rows[0]!.n;
    if (app.store.caps.trigramSearch) {
      // As if the schema had been made before a DBA created the extension.
      await sql`DROP INDEX ${sql.id(TRIGRAM_INDEX)}`.execute(app.store.db);
      assert.equal(Number(await indexExists()), 0);
    }
    assert.deepEqual(await migrate(app.store), []);
    if (app.store.caps.trigramSearch) assert.equal(Number(await indexExists()), 1);
    assert.deepEqual(await usernames(app, 'zephyr'), ['bob']);
  });
});

describe('migrations: the search table on a database that already holds people', () => {
  it('copies everyone present when it is made, and follows writes after', async () => {
    const db = await freshDatabase();
    const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...db.env }), {
      migrate: false,
    });
    try {
      await migrate(app.store, '0006_people_id_state');
      for (const n of [1, 2, 3])
        await app.core.people.create(csvAdmin, {
          username: `early${n}`,
          firstname: 'Early',
          surname: `Bird${n}`,
          email: `early${n}@example.org`,
        });
      assert.ok((await migrate(app.store)).length >= 1);
      await copiesMatch(app);
      assert.deepEqual(await usernames(app, 'early'), ['early1', 'early2', 'early3']);
      await app.core.people.update(csvAdmin, (await app.core.people.findByUsername('early2'))!.id, {
        surname: 'Owl',
      });
      await copiesMatch(app);
      assert.deepEqual(await usernames(app, 'owl'), ['early2']);
    } finally {
      await app.close();
      await db.drop();
    }
  });
});

describe('migrations: the quick check of an up-to-date schema', () => {
  it('still hands a database with a migration this server does not know to the migrator, which refuses it', async () => {
    const db = await freshDatabase();
    const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...db.env }));
    try {
      assert.deepEqual(await migrate(app.store), [], 'up to date: nothing to apply');
      // As if a newer Gatehouse had migrated this database.
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('9999_from_a_newer_server', '2026-12-06T00:00:00.000Z')`.execute(
        app.store.db,
      );
      await assert.rejects(migrate(app.store), /9999_from_a_newer_server/);
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
