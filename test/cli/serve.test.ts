import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { freshDatabase, type FreshDatabase } from '../helpers/engine.ts';
import { BIN, cliEnv, runCli } from './harness.ts';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

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

  it('SIGTERM waits for a request whose client has gone before it closes the database', async (t) => {
    // Regression: the shutdown closed the database and exited as soon as no connection was
    // open, while the handler of an aborted request was still working: its write was lost.
    // Its own empty database, so that the first administrator is made from the env.
    const own = await freshDatabase();
    t.after(() => own.drop());
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: {
        ...cliEnv(own.env),
        LOG_LEVEL: 'info',
        GATEHOUSE_ADMIN_USERNAME: 'boss2',
        GATEHOUSE_ADMIN_PASSWORD: 'boss-password-2',
        GATEHOUSE_ARGON2_MEMORY_KIB: '65536',
        GATEHOUSE_ARGON2_ITERATIONS: '10',
      },
      cwd: os.tmpdir(),
    });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const url = new URL(await listening(child));
      // The sign-in hashes for a few hundred milliseconds (a costly argon2id, below) before it
      // writes the failed count and its audit event. Once the server has the request, the
      // client leaves and the server is told to stop: both land while it hashes.
      const body = JSON.stringify({ username: 'boss2', password: 'not-the-password' });
      const req = http.request({
        host: url.hostname,
        port: url.port,
        path: '/api/session',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('error', () => undefined);
      req.end(body);
      while (!/"url":"\/api\/session"/.test(log))
        await new Promise((resolve) => setTimeout(resolve, 2));
      await new Promise((resolve) => setTimeout(resolve, 20));
      req.destroy();
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, log);
    const errors = log.split('\n').filter((line) => /"level":(50|60)/.test(line));
    assert.deepEqual(errors, [], 'nothing failed during the shutdown');
    assert.match(log, /SIGTERM: shutting down/);
    // The handler finished: the failed attempt counts towards the lockout.
    const check = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...own.env }));
    try {
      const row = await check.store.db
        .selectFrom('people')
        .select('failed_logins')
        .where('username_key', '=', 'boss2')
        .executeTakeFirstOrThrow();
      assert.equal(row.failed_logins, 1, 'the failed sign-in was recorded');
    } finally {
      await check.close();
    }
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
