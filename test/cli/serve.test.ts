import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { freshDatabase, type FreshDatabase } from '../helpers/engine.ts';
import { BIN, cliEnv, runCli } from './harness.ts';

/** Resolves with the URL the server logs once it listens; rejects if it exits first. */
function listening(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let log = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      log += d;
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m?.[1]) resolve(m[1]);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${log}`)));
  });
}

describe('CLI: gatehouse serve', () => {
  let db: FreshDatabase;
  let env: Record<string, string>;
  before(async () => {
    db = await freshDatabase();
    env = { ...cliEnv(db.env), LOG_LEVEL: 'info' };
  });
  after(async () => {
    await db.drop();
  });

  it('starts the server on the configured database (first administrator from the env) and stops on SIGTERM with 0', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: {
        ...env,
        GATEHOUSE_ADMIN_USERNAME: 'boss',
        GATEHOUSE_ADMIN_PASSWORD: 'boss-password-1',
      },
      cwd: os.tmpdir(),
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const url = await listening(child);
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      const session = await fetch(`${url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'boss', password: 'boss-password-1' }),
      });
      assert.equal(session.status < 300, true, `sign-in answered ${session.status}`);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  it('a port in use: a sentence and a non-zero exit, promptly (no lingering process)', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runCli(['serve', '--port', String(port)], { ...env, LOG_LEVEL: 'silent' });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });

  it('a bad --port is a configuration error naming PORT (exit 2)', async () => {
    const r = await runCli(['serve', '--port', 'http'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /PORT must be a whole number, not "http"/);
  });
});
