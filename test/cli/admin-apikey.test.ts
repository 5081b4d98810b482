import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cliFixture, osUser, type CliFixture } from './harness.ts';

const PASSWORD = 'correct-horse-battery-1';

describe('CLI: gatehouse admin create / apikey create', () => {
  let f: CliFixture;
  before(async () => {
    f = await cliFixture();
  });
  after(async () => {
    await f.close();
  });

  it('admin create reads the password from stdin; the administrator can sign in', async () => {
    const r = await f.cli(['admin', 'create', '--username', 'root', '--json'], {
      input: `${PASSWORD}\nthe rest is ignored\n`,
    });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out).sort(), ['grants', 'id', 'username']);
    assert.equal(out.username, 'root');
    assert.deepEqual(out.grants, ['sysadmin', 'people_admin']);

    const signedIn = await f.app.signIn.signIn('root', PASSWORD, { gate: 'console' });
    assert.equal(signedIn.personId, out.id);
    assert.deepEqual((await f.app.core.grants.list(out.id)).sort(), ['people_admin', 'sysadmin']);
    const person = await f.app.core.people.get(out.id);
    assert.equal(person.origin, 'cli');
    assert.equal(person.firstname, 'Site');

    const audit = await f.app.core.audit.list(
      { action: 'person.create', targetId: String(out.id) },
      0,
      10,
    );
    assert.equal(audit.data.length, 1);
    assert.equal(audit.data[0]?.gate, 'cli');
    assert.equal(audit.data[0]?.actor, `cli:${osUser()}`);
  });

  it('admin create prints a sentence by default and takes names; CRLF line endings are fine', async () => {
    const r = await f.cli(
      ['admin', 'create', '--username', 'ops', '--firstname', 'Olga', '--surname', 'Ops'],
      { input: `${PASSWORD}\r\n` },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /Created administrator "ops" \(id \d+\) with the grants sysadmin and people_admin/,
    );
    const person = await f.app.core.people.findByUsername('ops');
    assert.equal(person?.firstname, 'Olga');
    await f.app.signIn.signIn('ops', PASSWORD, { gate: 'console' });
  });

  it('admin create refuses a weak password field by field (exit 4), and creates nothing', async () => {
    const r = await f.cli(['admin', 'create', '--username', 'weak'], { input: 'short\n' });
    assert.equal(r.code, 4);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Some values are not valid/);
    assert.match(r.stderr, /^ {2}password: .+/m);
    assert.equal(await f.app.core.people.findByUsername('weak'), undefined);

    const json = await f.cli(['admin', 'create', '--username', 'weak', '--json'], {
      input: 'short\n',
    });
    assert.equal(json.code, 4);
    const err = JSON.parse(json.stderr);
    assert.equal(err.type, 'validation_failed');
    assert.equal(err.exit_code, 4);
    assert.equal(err.fields[0].field, 'password');
  });

  it('admin create: a taken username is refused (exit 4); no password on stdin is a usage error (exit 2)', async () => {
    const taken = await f.cli(['admin', 'create', '--username', 'ROOT'], { input: PASSWORD });
    assert.equal(taken.code, 4);
    assert.match(taken.stderr, /username: Already taken/);

    const empty = await f.cli(['admin', 'create', '--username', 'nopass']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /No password on standard input/);

    const missing = await f.cli(['admin', 'create']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--username/);
  });

  it('apikey create prints the key once; the key works against the server as its owner', async () => {
    const r = await f.cli(['apikey', 'create', '--owner', 'root', '--name', 'deploy', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out).sort(), ['expires_at', 'id', 'key', 'name', 'owner']);
    assert.equal(out.owner, 'root');
    assert.equal(out.name, 'deploy');
    assert.equal(out.expires_at, null);
    assert.match(out.key, /^ghk_/);

    const res = await fetch(`${f.url}/api/people/v2/user`, {
      headers: { authorization: `Bearer ${out.key}` },
    });
    assert.equal(res.status, 200);
    const me = (await res.json()) as { username?: string; data?: { username?: string } };
    assert.equal(me.username ?? me.data?.username, 'root');

    const bad = await fetch(`${f.url}/api/people/v2/user`, {
      headers: { authorization: `Bearer ${out.key}x` },
    });
    assert.equal(bad.status, 401);

    const audit = await f.app.core.audit.list({ action: 'api_key.create', gate: 'cli' }, 0, 10);
    assert.equal(audit.data.length, 1);
  });

  it('apikey create as text: the key on its own line, with the expiry', async () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const r = await f.cli([
      'apikey',
      'create',
      '--owner',
      'ops',
      '--name',
      'nightly',
      '--expires',
      expires,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`for ops \\(expires ${expires.replace(/\./g, '\\.')}\\)`));
    const key = r.stdout.trim().split('\n').at(-1) ?? '';
    assert.match(key, /^ghk_\S+$/);
    assert.ok(await f.app.apiKeys.authenticate(key));
  });

  it('apikey create: an unknown owner exits 3, a past expiry exits 4 naming expires_at', async () => {
    const unknown = await f.cli(['apikey', 'create', '--owner', 'nobody', '--name', 'x']);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /No person has the username or id "nobody"/);

    const past = await f.cli([
      'apikey',
      'create',
      '--owner',
      'root',
      '--name',
      'x',
      '--expires',
      '2001-01-01T00:00:00Z',
      '--json',
    ]);
    assert.equal(past.code, 4);
    assert.equal(past.stdout, '');
    assert.equal(JSON.parse(past.stderr).fields[0].field, 'expires_at');
  });

  it('apikey list shows keys without the secret; apikey revoke stops a key at once', async () => {
    const made = JSON.parse(
      (await f.cli(['apikey', 'create', '--owner', 'root', '--name', 'temp', '--json'])).stdout,
    );
    const list = await f.cli(['apikey', 'list', '--owner', 'root', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const page = JSON.parse(list.stdout);
    assert.ok(page.data.some((k: { id: number }) => k.id === made.id));
    assert.ok(!list.stdout.includes(made.key));

    const revoked = await f.cli(['apikey', 'revoke', String(made.id)]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /Revoked API key/);
    assert.equal(await f.app.apiKeys.authenticate(made.key), null);
    const again = await f.cli(['apikey', 'revoke', String(made.id)]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already revoked/);
    assert.equal((await f.cli(['apikey', 'revoke', '999999'])).code, 3);
  });
});
