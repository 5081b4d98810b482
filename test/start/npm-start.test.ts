/**
 * The README's first command: `npm start` (build if stale, then the bundled server in dist/)
 * serves the API, the console and /healthz on the configured database, and stops cleanly.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freshDatabase, type FreshDatabase } from '../helpers/engine.ts';
import { cliEnv, runCli } from '../cli/harness.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm start', () => {
  let db: FreshDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(async () => {
    await db.drop();
  });

  it('runs the built server: health, first administrator, console, API docs; SIGTERM stops it with 0', async () => {
    const env = {
      ...cliEnv(db.env),
      LOG_LEVEL: 'info',
      PORT: '0',
      GATEHOUSE_ADMIN_USERNAME: 'starter',
      GATEHOUSE_ADMIN_PASSWORD: 'starter-password-1',
    };
    const child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env });
    let log = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let serverPid: number | undefined;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
          if (m?.[1]) {
            clearInterval(timer);
            resolve(m[1]);
          }
        }, 50);
        void exited.then((code) => {
          clearInterval(timer);
          reject(new Error(`npm start exited with ${code}: ${log}`));
        });
      });
      // The process serving is node running the bundle, not the TypeScript sources.
      serverPid = Number(/"pid":(\d+)/.exec(log)?.[1]);
      const argv = readFileSync(`/proc/${serverPid}/cmdline`, 'utf8').split('\0');
      assert.equal(argv.at(-2), 'dist/main.js', argv.join(' '));
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      const home = await fetch(`${url}/`);
      assert.equal(home.status, 200);
      assert.match(await home.text(), /<div id="root">/);
      const openapi = await fetch(`${url}/api/people/v2/openapi.json`);
      assert.equal(openapi.status, 200);
      assert.equal(((await openapi.json()) as { openapi: string }).openapi, '3.1.0');
      const session = await fetch(`${url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'starter', password: 'starter-password-1' }),
      });
      assert.equal(session.status, 200);
    } finally {
      // As a supervisor stops it: the server shuts down, and npm passes on its exit code.
      if (serverPid) process.kill(serverPid, 'SIGTERM');
      else child.kill('SIGKILL');
    }
    assert.equal(await exited, 0, log);
  });

  it('the gatehouse command runs from the same build and reads the same database', async () => {
    const r = await runCli(['users', 'list', '--json'], cliEnv(db.env));
    assert.equal(r.code, 0, r.stderr);
    const usernames = (JSON.parse(r.stdout) as { data: { username: string }[] }).data.map(
      (u) => u.username,
    );
    assert.deepEqual(usernames, ['starter']);
  });
});
