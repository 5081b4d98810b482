/**
 * The database engine a test run uses: GATEHOUSE_TEST_DB=sqlite (default) or postgres.
 * Each call makes a fresh, empty database (a temp folder, or a new PostgreSQL database
 * created through TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test) and drops it after.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TestEngine = 'sqlite' | 'postgres';

export function testEngine(): TestEngine {
  return process.env.GATEHOUSE_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
}

export interface FreshDatabase {
  env: { DATABASE_URL?: string; GATEHOUSE_DATA_DIR: string };
  drop(): Promise<void>;
}

const ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function freshDatabase(engine: TestEngine = testEngine()): Promise<FreshDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
  if (engine === 'sqlite') {
    return {
      env: { GATEHOUSE_DATA_DIR: dataDir },
      drop: () => Promise.resolve(fs.rmSync(dataDir, { recursive: true, force: true })),
    };
  }
  const name = `gh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), GATEHOUSE_DATA_DIR: dataDir },
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
