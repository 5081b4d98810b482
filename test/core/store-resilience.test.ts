import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestApp } from '../helpers/app.ts';
import { testEngine } from '../helpers/engine.ts';
import { ping } from '../../src/store/database.ts';

describe('store: lost database connections', () => {
  it('survives its idle connections being terminated by the server, and goes on answering', async () => {
    const app = await startTestApp();
    try {
      assert.equal(await ping(app.store), true);
      if (testEngine() === 'postgres') {
        // What a PostgreSQL restart or an administrator's pg_terminate_backend does to idle
        // pooled connections: before the fix this crashed the process (unhandled 'error').
        const url = new URL(process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
        const admin = new pg.Client({ connectionString: url.toString() });
        await admin.connect();
        const db = (
          await app.store.db
            .selectNoFrom((eb) => eb.fn<string>('current_database', []).as('name'))
            .executeTakeFirstOrThrow()
        ).name;
        const r = await admin.query(
          'SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [db],
        );
        await admin.end();
        assert.ok(Number(r.rows[0].n) >= 1, 'the pool had an idle connection to cut');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(await ping(app.store), true);
      assert.equal((await app.core.people.list({}, { offset: 0, limit: 1 })).total, 0);
    } finally {
      await app.dispose();
    }
  });
});
