import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { freshDatabase } from '../helpers/engine.ts';
import { cliEnv, cliFixture, osUser, runCli, type CliFixture } from './harness.ts';

describe('CLI: gatehouse users list / block / unblock', () => {
  let f: CliFixture;
  let annId: number;
  before(async () => {
    f = await cliFixture();
    const make = (username: string, firstname: string) =>
      f.app.core.people.create(SYSTEM_ACTOR, {
        username,
        firstname,
        surname: 'Tester',
        email: `${username}@example.org`,
        password: 'a-long-password-1',
      });
    annId = (await make('ann', 'Ann')).id;
    await make('bob', 'Bob');
    await make('1234', 'Digits');
  });
  after(async () => {
    await f.close();
  });

  it('users list prints a table with the columns and a count', async () => {
    const r = await f.cli(['users', 'list']);
    assert.equal(r.code, 0, r.stderr);
    const [header, rule, ...rows] = r.stdout.trimEnd().split('\n');
    assert.deepEqual(header?.split(/\s+/), [
      'ID',
      'USERNAME',
      'NAME',
      'EMAIL',
      'STATE',
      'ORIGIN',
      'DIRECTORY',
    ]);
    assert.match(rule ?? '', /^-+( +-+)+$/);
    assert.match(
      rows[0] ?? '',
      /^\s*\d+\s+ann\s+Ann Tester\s+ann@example\.org\s+active\s+system\s+local$/,
    );
    assert.equal(rows.at(-1), '1–3 of 3.');
  });

  it('users list --json: total, offset, limit and people; filters by text and state', async () => {
    const r = await f.cli(['users', 'list', '--json', '--q', 'bob']);
    assert.equal(r.code, 0, r.stderr);
    const page = JSON.parse(r.stdout);
    assert.equal(page.total, 1);
    assert.equal(page.offset, 0);
    assert.equal(page.limit, 100);
    assert.equal(page.data[0].username, 'bob');
    assert.equal(page.data[0].state, 'active');
    assert.equal(page.data[0].directory, null);
    assert.equal(page.data[0].origin, 'system');

    const paged = JSON.parse(
      (await f.cli(['users', 'list', '--json', '--limit', '1', '--offset', '1'])).stdout,
    );
    assert.equal(paged.total, 3);
    assert.equal(paged.data.length, 1);
    assert.equal(paged.data[0].username, 'bob');

    const none = await f.cli(['users', 'list', '--state', 'blocked']);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, 'No people match.\n');
  });

  it('users list: a bad --state or --limit is a usage error (exit 2) naming the option', async () => {
    const state = await f.cli(['users', 'list', '--state', 'gone']);
    assert.equal(state.code, 2);
    assert.match(state.stderr, /--state/);
    const limit = await f.cli(['users', 'list', '--limit', 'ten']);
    assert.equal(limit.code, 2);
    assert.match(limit.stderr, /--limit/);
  });

  it('users block by username ends sign-in, with the reason, audited as the CLI; block again changes nothing', async () => {
    const r = await f.cli(['users', 'block', 'ANN', '--reason', 'left the company']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `ann (id ${annId}) is now blocked.\n`);
    const ann = await f.app.core.people.get(annId);
    assert.equal(ann.state, 'blocked');
    assert.equal(ann.blocked_reason, 'left the company');
    await assert.rejects(
      f.app.signIn.signIn('ann', 'a-long-password-1', { gate: 'console' }),
      (e: { type?: string }) => e.type === 'account_blocked',
    );
    const audit = await f.app.core.audit.list(
      { action: 'person.block', targetId: String(annId) },
      0,
      10,
    );
    assert.equal(audit.data.length, 1);
    assert.equal(audit.data[0]?.gate, 'cli');
    assert.equal(audit.data[0]?.actor, `cli:${osUser()}`);

    const again = await f.cli(['users', 'block', 'ann', '--json']);
    assert.equal(again.code, 0);
    const out = JSON.parse(again.stdout);
    assert.equal(out.changed, false);
    assert.equal(out.person.state, 'blocked');

    const listed = JSON.parse(
      (await f.cli(['users', 'list', '--state', 'blocked', '--json'])).stdout,
    );
    assert.deepEqual(
      listed.data.map((p: { username: string }) => p.username),
      ['ann'],
    );
  });

  it('users unblock by numeric id; the account signs in again', async () => {
    const r = await f.cli(['users', 'unblock', String(annId), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.changed, true);
    assert.equal(out.person.username, 'ann');
    assert.equal(out.person.state, 'active');
    await f.app.signIn.signIn('ann', 'a-long-password-1', { gate: 'console' });
  });

  it('a username made of digits is found as a username before being read as an id', async () => {
    const r = await f.cli(['users', 'block', '1234', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).person.username, '1234');
    assert.equal((await f.app.core.people.get(annId)).state, 'active');
  });

  it('a synced account: listed with its directory; unblock refused (exit 4) when its directory blocked it', async () => {
    const dir = await f.app.core.directories.create(SYSTEM_ACTOR, {
      name: 'Corp LDAP',
      kind: 'ldap',
      owned_fields: ['firstname', 'surname', 'email'],
    });
    const synced = await f.app.core.people.create(SYSTEM_ACTOR, {
      username: 'synced',
      firstname: 'Sy',
      surname: 'Nced',
      email: 'synced@example.org',
      directory_id: dir.id,
    });
    const sync = { personId: null, label: 'directory:Corp LDAP', gate: 'ldap' as const };
    await f.app.core.people.block({ ...sync, directoryId: dir.id }, synced.id, 'gone from LDAP');

    const list = await f.cli(['users', 'list', '--q', 'synced']);
    assert.match(
      list.stdout,
      /synced\s+Sy Nced\s+synced@example\.org\s+blocked\s+system\s+Corp LDAP$/m,
    );
    const json = JSON.parse((await f.cli(['users', 'list', '--q', 'synced', '--json'])).stdout);
    assert.equal(json.data[0].directory, 'Corp LDAP');
    assert.equal(json.data[0].directory_id, dir.id);

    const r = await f.cli(['users', 'unblock', 'synced']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /directory/);
    assert.equal((await f.app.core.people.get(synced.id)).state, 'blocked');
  });

  it('an unknown user exits 3, with a sentence (or JSON with --json on stderr)', async () => {
    const r = await f.cli(['users', 'block', 'nobody']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'gatehouse: No person has the username or id "nobody".\n');
    const j = await f.cli(['users', 'unblock', 'nobody', '--json']);
    assert.equal(j.code, 3);
    assert.deepEqual(JSON.parse(j.stderr), {
      error: 'No person has the username or id "nobody".',
      type: 'not_found',
      exit_code: 3,
    });
  });

  it('a bad setting exits 2 with a sentence naming the variable, before touching anything', async () => {
    const r = await f.cli(['users', 'list'], { env: { PORT: 'abc' } });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /configuration error: PORT must be a whole number, not "abc"/);
    const j = await f.cli(['users', 'list', '--json'], {
      env: { GATEHOUSE_EMAIL_UNIQUE: 'maybe' },
    });
    assert.equal(j.code, 2);
    const err = JSON.parse(j.stderr);
    assert.equal(err.type, 'config_error');
    assert.match(err.error, /GATEHOUSE_EMAIL_UNIQUE/);
    const check = await f.cli(['config', 'check'], { env: { DATABASE_URL: 'mysql://x' } });
    assert.equal(check.code, 2);
    assert.match(check.stderr, /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//);
  });

  it('an unreachable database exits 5 with a sentence, for every command (CSV ones included)', async () => {
    const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const list = await f.cli(['users', 'list'], { env });
    assert.equal(list.code, 5);
    assert.match(
      list.stderr,
      /^gatehouse: The database cannot be reached or opened: .*ECONNREFUSED/,
    );
    const exported = await f.cli(['users', 'export', '--', '-'], { env });
    assert.equal(exported.code, 5);
    const check = await f.cli(['config', 'check', '--json'], { env });
    assert.equal(check.code, 5);
    assert.equal(JSON.parse(check.stdout).database.reachable, false);
    const badConfig = await f.cli(['users', 'export'], { env: { PORT: 'abc' } });
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /PORT/);
  });

  it('config check shows the values in effect, secrets hidden, and reaches the database', async () => {
    const r = await f.cli(['config', 'check', '--json'], {
      env: { GATEHOUSE_ADMIN_PASSWORD: 'a-secret-password' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('a-secret-password'));
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true);
    assert.equal(out.database.reachable, true);
    const setting = (name: string) =>
      out.settings.find((s: { variable: string }) => s.variable === name);
    assert.deepEqual(setting('GATEHOUSE_ADMIN_PASSWORD'), {
      variable: 'GATEHOUSE_ADMIN_PASSWORD',
      value: '(hidden)',
      source: 'environment',
    });
    assert.deepEqual(setting('PORT'), { variable: 'PORT', value: '8080', source: 'default' });
    const text = await f.cli(['config', 'check']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /The configuration is valid\./);
  });

  it('config --docs prints the settings table; help and version exit 0; unknown commands exit 2', async () => {
    const docs = await f.cli(['config', '--docs']);
    assert.equal(docs.code, 0);
    assert.match(docs.stdout, /^\| Variable \| Default \| Meaning \|$/m);
    assert.match(docs.stdout, /\| `PORT` \| `8080` \|/);
    const help = await f.cli(['--help']);
    assert.equal(help.code, 0);
    for (const c of ['serve', 'migrate', 'admin', 'apikey', 'users', 'config'])
      assert.match(help.stdout, new RegExp(`^  ${c}\\b`, 'm'));
    assert.equal((await f.cli(['--version'])).code, 0);
    const unknown = await f.cli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });
});

describe('CLI: gatehouse migrate', () => {
  it('applies every migration on a new database and says which; then none', async () => {
    const db = await freshDatabase();
    try {
      const env = cliEnv(db.env);
      const first = await runCli(['migrate'], env);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^Applied \d+ migrations:\n {2}0001_initial\n/m);
      const second = await runCli(['migrate', '--json'], env);
      assert.equal(second.code, 0, second.stderr);
      const out = JSON.parse(second.stdout);
      assert.deepEqual(out.applied, []);
      assert.equal(typeof out.database, 'string');
    } finally {
      await db.drop();
    }
  });
});
