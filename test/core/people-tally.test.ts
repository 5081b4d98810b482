/**
 * The list of everyone (and of everyone listed, blocked accounts aside) in id order is exactly
 * LIMIT/OFFSET's page with the exact count, at every offset, in both orders: it is taken
 * from the nearer end with the number of people read in the page's own statement
 * (store/people-page.ts; on PostgreSQL from people_tally, migration 0017, which the triggers
 * must keep exact through every kind of write; on SQLite from a bare count).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import pg from 'pg';
import { startTestApp } from '../helpers/app.ts';
import { freshDatabase, testEngine } from '../helpers/engine.ts';
import { batchRow, csvAdmin } from '../helpers/batch.ts';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { migrate } from '../../src/store/database.ts';

type TestApp = App & { dispose(): Promise<void> };

/** What plain SQL says: the ids of LIMIT/OFFSET's page and the count. */
async function plainPage(
  app: App,
  listedOnly: boolean,
  order: 'asc' | 'desc',
  offset: number,
  limit: number,
): Promise<{ ids: number[]; total: number }> {
  const db = app.store.db;
  const base = db.selectFrom('people').$if(listedOnly, (q) => q.where('state', '!=', 'blocked'));
  const ids = await base.select('id').orderBy('id', order).limit(limit).offset(offset).execute();
  const n = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { ids: ids.map((r) => r.id), total: Number(n.n) };
}

async function pagesMatch(app: App, offsets: number[], limits: number[]): Promise<void> {
  for (const listedOnly of [false, true])
    for (const order of ['asc', 'desc'] as const)
      for (const limit of limits)
        for (const offset of offsets) {
          const got = await app.core.people.list({ listedOnly }, { offset, limit, order });
          const want = await plainPage(app, listedOnly, order, offset, limit);
          assert.deepEqual(
            { ids: got.data.map((p) => p.id), total: got.total },
            want,
            `listedOnly ${listedOnly}, ${order}, offset ${offset}, limit ${limit}`,
          );
        }
}

/** The tally's sum against a count (PostgreSQL only). */
async function tallyMatches(app: App): Promise<void> {
  const r = await sql<{ people: number; tally: number }>`
    SELECT (SELECT count(*) FROM people) AS people,
           (SELECT coalesce(sum(n), 0) FROM people_tally) AS tally`.execute(app.store.db);
  const { people, tally } = r.rows[0]!;
  assert.equal(Number(tally), Number(people));
}

const isPostgres = testEngine() === 'postgres';

/** A person inserted with plain SQL, as another program or a psql session would. */
const insertSql = (name: string) =>
  `INSERT INTO people (username, username_key, firstname, surname, email, origin, created_at, updated_at)
   VALUES ('${name}', '${name}', 'F', 'S', '${name}@example.org', 'api', 'now', 'now')`;

describe('core: the list of everyone in id order is LIMIT/OFFSET with the count', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    const r = await app.core.batch.apply(
      csvAdmin,
      Array.from({ length: 27 }, (_, i) => batchRow(i + 2, `p${String(i).padStart(2, '0')}`)),
    );
    assert.equal(r.applied, true);
    const ids = r.outcomes.map((o) => o.person_id!);
    // Blocked accounts among them, and holes in the ids, as a real directory has.
    for (const i of [0, 5, 6, 26]) await app.core.people.block(csvAdmin, ids[i]!, null);
    for (const i of [3, 14]) await app.core.people.delete(csvAdmin, ids[i]!);
  });
  after(async () => {
    await app.dispose();
  });

  it('at every offset near both ends and the middle, every order and page size', async () => {
    const offsets = [0, 1, 2, 9, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 25, 26, 30, 1000];
    await pagesMatch(app, offsets, [1, 2, 5, 10, 24, 25, 100]);
  });

  it('the total is of the same snapshot as the rows while people are being created', async () => {
    // Pages at the end of the list while creates commit between and during them: each
    // page's rows must be what its total says is left after its offset.
    const before = (await app.core.people.list({}, { offset: 0, limit: 1 })).total;
    const creates = Array.from({ length: 30 }, (_, i) =>
      app.core.people.create(csvAdmin, {
        username: `race${i}`,
        firstname: 'Race',
        surname: String(i),
        email: `race${i}@example.org`,
      }),
    );
    const pages = Array.from({ length: 60 }, (_, i) =>
      app.core.people.list(
        { listedOnly: i % 2 === 1 },
        { offset: before - 4 + (i % 7), limit: 10, order: i % 3 === 0 ? 'desc' : 'asc' },
      ),
    );
    const [, lists] = await Promise.all([Promise.all(creates), Promise.all(pages)]);
    for (const [i, page] of lists.entries()) {
      const offset = before - 4 + (i % 7);
      const left = Math.max(0, Math.min(10, page.total - offset));
      assert.equal(
        page.data.length,
        left,
        `page ${i}: ${page.data.length} rows, total ${page.total}`,
      );
    }
    for (let i = 0; i < 30; i++) {
      const p = await app.core.people.list({ q: `race${i}` }, { offset: 0, limit: 5 });
      for (const x of p.data) await app.core.people.delete(csvAdmin, x.id);
    }
    assert.equal((await app.core.people.list({}, { offset: 0, limit: 1 })).total, before);
  });

  it('with a filter or another sort, the general path gives the same as before', async () => {
    const got = await app.core.people.list({ state: 'blocked' }, { offset: 1, limit: 2 });
    assert.deepEqual(
      got.data.map((p) => p.username),
      ['p05', 'p06'],
    );
    assert.equal(got.total, 4);
    const byName = await app.core.people.list({}, { offset: 0, limit: 3, sort: 'username' });
    assert.deepEqual(
      byName.data.map((p) => p.username),
      ['p00', 'p01', 'p02'],
    );
  });
});

describe('core: people_tally follows every write to people', { skip: !isPostgres }, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.dispose();
  });

  it('creates, batches, deletes and rolled-back transactions', async () => {
    await tallyMatches(app);
    const ann = await app.core.people.create(csvAdmin, {
      username: 'ann',
      firstname: 'Ann',
      surname: 'Arbor',
      email: 'ann@example.org',
    });
    const r = await app.core.batch.apply(
      csvAdmin,
      Array.from({ length: 300 }, (_, i) => batchRow(i + 2, `bulk${i}`)),
    );
    assert.equal(r.applied, true);
    await tallyMatches(app);
    await app.core.people.delete(csvAdmin, ann.id);
    await tallyMatches(app);
    await assert.rejects(
      app.store.db.transaction().execute(async (tx) => {
        await sql`DELETE FROM people WHERE username LIKE 'bulk1%'`.execute(tx);
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    await tallyMatches(app);
    // Many statements in one transaction: each adds its row, the next transaction folds them.
    await app.store.db.transaction().execute(async (tx) => {
      for (let i = 0; i < 50; i++) await sql.raw(insertSql(`one${i}`)).execute(tx);
    });
    await tallyMatches(app);
    await app.core.people.create(csvAdmin, {
      username: 'bea',
      firstname: 'Bea',
      surname: 'Arbor',
      email: 'bea@example.org',
    });
    await tallyMatches(app);
    await pagesMatch(app, [0, 150, 299, 300, 350], [1, 200]);
    const rows = await sql<{ n: number }>`SELECT count(*) AS n FROM people_tally`.execute(
      app.store.db,
    );
    assert.ok(Number(rows.rows[0]!.n) <= 2, 'the tally is folded as it goes');
  });

  it('writers do not wait on each other for the tally, in any isolation level', async () => {
    const url = app.config.databaseUrl!;
    const a = new pg.Client({ connectionString: url });
    const b = new pg.Client({ connectionString: url });
    await a.connect();
    await b.connect();
    try {
      // A holds the rows it folded until it commits; B must neither wait for A nor miss A.
      await a.query('BEGIN');
      await a.query(insertSql('held1'));
      await b.query(`SET statement_timeout = '5s'`);
      await b.query(insertSql('free1'));
      await b.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await b.query(insertSql('free2'));
      await b.query('COMMIT');
      await tallyMatches(app);
      await a.query('COMMIT');
      await tallyMatches(app);
      await a.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      await a.query(`DELETE FROM people WHERE username IN ('held1', 'free1')`);
      await a.query('COMMIT');
      await tallyMatches(app);
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('a TRUNCATE leaves no stale number', async () => {
    await sql`TRUNCATE people CASCADE`.execute(app.store.db);
    await tallyMatches(app);
    const page = await app.core.people.list({}, { offset: 0, limit: 5 });
    assert.deepEqual([page.data.length, page.total], [0, 0]);
  });
});

describe(
  'migrations: people_tally on a database that already holds people',
  { skip: !isPostgres },
  () => {
    it('starts from everyone present and follows writes after', async () => {
      const db = await freshDatabase();
      const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...db.env }), {
        migrate: false,
      });
      try {
        await migrate(app.store, '0016_directory_runs_runner');
        const r = await app.core.batch.apply(
          csvAdmin,
          Array.from({ length: 40 }, (_, i) => batchRow(i + 2, `early${i}`)),
        );
        assert.equal(r.applied, true);
        assert.deepEqual(await migrate(app.store, '0017_people_tally'), ['0017_people_tally']);
        await tallyMatches(app);
        await app.core.people.delete(csvAdmin, r.outcomes[0]!.person_id!);
        await tallyMatches(app);
        await pagesMatch(app, [0, 20, 38, 39], [1, 20]);
      } finally {
        await app.close();
        await db.drop();
      }
    });
  },
);
