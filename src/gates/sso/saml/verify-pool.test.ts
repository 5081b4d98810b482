/**
 * The SAML check pool's error paths: a worker that throws or dies refuses the login with the
 * cause (an audited refusal and a page, not a 500), and a pool closed at shutdown checks a
 * login still in flight on the calling thread instead of dropping it or starting new threads.
 * The workers here are stand-ins written to a temporary directory.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createVerifyPool } from './verify-pool.ts';
import type { ResponseCheck } from './check-response.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-verify-pool-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function worker(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `export default async function () {\n${body}\n}\n`);
  return file;
}

// Not base64 XML: the real check refuses it at once, without any provider or key.
const garbage = {
  samlResponse: Buffer.from('not xml').toString('base64'),
  nowMs: Date.now(),
} as unknown as ResponseCheck;

describe('SAML verify pool', () => {
  it('a worker that throws refuses the login with the cause', async () => {
    const pool = createVerifyPool({ filename: worker('throws.mjs', "throw new Error('boom');") });
    try {
      const r = await pool.check(garbage);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.reason, /could not be checked.*boom/);
    } finally {
      await pool.close();
    }
  });

  it('a worker that dies refuses the login, and the next check gets a new worker', async () => {
    const pool = createVerifyPool({ filename: worker('dies.mjs', 'process.exit(3);') });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await pool.check(garbage);
        assert.equal(r.ok, false);
        assert.match(r.ok ? '' : r.reason, /could not be checked/);
      }
    } finally {
      await pool.close();
    }
  });

  it('closed while a check is in flight: the login is checked on this thread', async () => {
    const pool = createVerifyPool({
      filename: worker('slow.mjs', 'await new Promise((r) => setTimeout(r, 2000));'),
    });
    const inFlight = pool.check(garbage);
    await new Promise((r) => setTimeout(r, 200));
    await pool.close();
    const r = await inFlight;
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /not well-formed XML/);
  });

  it('after close, checks run on this thread and start no worker', async () => {
    const pool = createVerifyPool({
      filename: worker('unused.mjs', "throw new Error('started');"),
    });
    await pool.close();
    const r = await pool.check(garbage);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /not well-formed XML/);
  });
});
