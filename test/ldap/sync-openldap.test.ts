/**
 * Directory sync against a real OpenLDAP, end to end through the People API: connection
 * test, dry run, first run, changes, renames, moves, deletions, the sync group, the safety
 * stop, sign-in by bind, ownership in the other gates, and a directory that goes away in
 * the middle of a run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ldapSubtree, startSlapd, type LdapSubtree, type SlapdServer } from '../helpers/slapd.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const KEY = { GATEHOUSE_SECRET_KEY: 'ef'.repeat(32) };

describe('LDAP sync: OpenLDAP end to end', () => {
  let s: TestServer;
  let t: LdapSubtree;
  let dirId: number;
  const sync = async (body: Record<string, unknown> = {}) => {
    const r = await s.request('POST', `/api/people/v2/directories/${dirId}/sync`, { body });
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  const person = async (username: string) => {
    const r = await s.request(
      'GET',
      `/api/people/v2/users?q=${encodeURIComponent(username)}&limit=200`,
    );
    return (
      r.body.data as {
        id: number;
        username: string;
        state: string;
        manager_id: number | null;
        firstname: string;
      }[]
    ).find((p) => p.username === username);
  };

  before(async () => {
    s = await startTestServer(KEY);
    t = await ldapSubtree('sync');
    const boss = await t.addUser({
      uid: 'boss',
      givenName: 'Bea',
      sn: 'Boss',
      mail: 'boss@example.test',
      password: 'boss-ldap-pw',
    });
    for (let i = 1; i <= 9; i++)
      await t.addUser({
        uid: `u${i}`,
        givenName: `User${i}`,
        sn: 'Staff',
        mail: `u${i}@example.test`,
        manager: boss,
        password: `pw-${i}-ldap`,
      });
    const r = await s.request('POST', '/api/people/v2/directories', {
      body: {
        type: 'ldap',
        name: 'Test LDAP',
        preset: 'openldap',
        url: t.info.url,
        bind_dn: t.info.bindDn,
        bind_password: t.info.bindPassword,
        base_dn: t.baseDn,
        mapping: { firstname: 'givenName', surname: 'sn', email: 'mail', manager_id: 'manager' },
        max_block_percent: 30,
      },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.has_bind_password, true);
    assert.ok(!r.text.includes(t.info.bindPassword));
    dirId = r.body.id as number;
  });
  after(async () => {
    await s?.close();
  });

  it('tests the connection: entries seen and the first ones as Gatehouse maps them', async () => {
    const r = await s.request('POST', `/api/people/v2/directories/${dirId}/test`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.ok, true);
    assert.equal(r.body.entries_seen, 10);
    const u1 = (r.body.sample as { username: string; fields: Record<string, string> }[]).find(
      (x) => x.username === 'u1',
    );
    assert.ok(u1 === undefined || u1.fields.email === 'u1@example.test');
  });

  it('names the problem of a wrong password and of a refused port', async () => {
    const bad = await s.request('POST', '/api/people/v2/directories', {
      body: {
        type: 'ldap',
        name: 'Wrong pw',
        preset: 'openldap',
        url: t.info.url,
        bind_dn: t.info.bindDn,
        bind_password: 'nope',
        base_dn: t.baseDn,
      },
    });
    const r = await s.request('POST', `/api/people/v2/directories/${bad.body.id}/test`);
    assert.equal(r.body.ok, false);
    assert.equal(r.body.error.type, 'ldap_invalid_credentials');
    await s.request('PATCH', `/api/people/v2/directories/${bad.body.id}`, {
      body: { url: 'ldap://127.0.0.1:1' },
    });
    const refused = await s.request('POST', `/api/people/v2/directories/${bad.body.id}/test`);
    assert.equal(refused.body.error.type, 'ldap_connection_refused');
    assert.equal(
      (await s.request('DELETE', `/api/people/v2/directories/${bad.body.id}`)).status,
      204,
    );
  });

  it('a dry run reports ten new accounts and writes nothing', async () => {
    const r = await sync({ dry_run: true });
    assert.equal(r.status, 'completed');
    assert.equal(r.counts.created, 10);
    assert.equal(await person('u1'), undefined);
  });

  it('the first run creates the accounts, linked to their manager', async () => {
    const r = await sync();
    assert.equal(r.status, 'completed', r.stop_reason);
    assert.equal(r.counts.created, 10);
    const boss = (await person('boss'))!;
    assert.equal((await person('u3'))!.manager_id, boss.id);
    const again = await sync();
    assert.equal(again.counts.unchanged, 10);
  });

  it('signs a synced account in with its directory password, and refuses a wrong one', async () => {
    const ok = await s.request('POST', '/api/session', {
      key: null,
      body: { username: 'u2', password: 'pw-2-ldap' },
    });
    assert.equal(ok.status, 200, ok.text);
    const wrong = await s.request('POST', '/api/session', {
      key: null,
      body: { username: 'u2', password: 'pw-2-wrong' },
    });
    assert.equal(wrong.status, 401);
  });

  it('the directory owns the mapped fields: the People API is refused', async () => {
    const u = (await person('u4'))!;
    const r = await s.request('PATCH', `/api/people/v2/users/${u.id}`, {
      body: { firstname: 'Hacked' },
    });
    assert.equal(r.status, 409);
    assert.equal(r.body.type, 'field_owned_by_directory');
  });

  it('follows changes, renames and moves of the same entry', async () => {
    const before = (await person('u5'))!;
    await t.modify(t.userDn('u5'), 'replace', 'givenName', ['Renamed']);
    await t.moveTo(t.userDn('u6'), `uid=u6b,${t.baseDn}`);
    const ou = await t.addOu('moved');
    await t.moveTo(t.userDn('u7'), `uid=u7,${ou}`);
    const r = await sync();
    assert.equal(r.counts.updated, 1, JSON.stringify(r.counts));
    assert.equal(r.counts.renamed, 1);
    assert.equal((await person('u5'))!.firstname, 'Renamed');
    assert.equal((await person('u5'))!.id, before.id);
    assert.ok(await person('u6b'));
    assert.equal(await person('u6'), undefined);
    assert.equal((await person('u7'))!.state, 'active');
  });

  it('blocks a deleted entry (never deletes it) and stops before a mass block', async () => {
    await t.remove(t.userDn('u8'));
    const r = await sync();
    assert.equal(r.counts.blocked, 1);
    assert.equal((await person('u8'))?.state, 'blocked');
    // Narrow the filter so that almost everyone falls out: the safety stop.
    await s.request('PATCH', `/api/people/v2/directories/${dirId}`, {
      body: { user_filter: '(&(objectClass=inetOrgPerson)(uid=boss))' },
    });
    const stopped = await sync();
    assert.equal(stopped.status, 'stopped');
    assert.ok((stopped.would_block as unknown[]).length >= 7);
    assert.equal((await person('u1'))!.state, 'active');
    await s.request('PATCH', `/api/people/v2/directories/${dirId}`, {
      body: { user_filter: '(objectClass=inetOrgPerson)' },
    });
  });

  it('only members of the sync group, nested ones included, are synced', async () => {
    const inner = await t.addGroup('inner', [t.userDn('u1')]);
    const outer = await t.addGroup('outer', [inner, t.userDn('boss')]);
    await s.request('PATCH', `/api/people/v2/directories/${dirId}`, {
      body: { sync_group_dn: outer, max_block_percent: 100 },
    });
    const r = await sync({ dry_run: true });
    assert.equal(r.status, 'completed', r.stop_reason);
    const items = await s.request(
      'GET',
      `/api/people/v2/directories/${dirId}/runs/${r.id}?action=blocked&limit=100`,
    );
    const blocked = (items.body.items.data as { entry: string }[]).map((i) => i.entry);
    assert.ok(!blocked.some((e) => e.includes('uid=u1,') || e === 'u1'));
    assert.ok(blocked.some((e) => e.includes('u2')));
    await s.request('PATCH', `/api/people/v2/directories/${dirId}`, {
      body: { sync_group_dn: null, max_block_percent: 30 },
    });
  });

  it('keeps every run with its items', async () => {
    const r = await s.request('GET', `/api/people/v2/directories/${dirId}/runs`);
    assert.equal(r.status, 200);
    assert.ok((r.body.data as unknown[]).length >= 5);
  });
});

describe('LDAP sync: a directory that stops in the middle of a run', () => {
  let s: TestServer;
  let slapd: SlapdServer;
  before(async () => {
    s = await startTestServer(KEY);
    slapd = await startSlapd();
  });
  after(async () => {
    await s?.close();
    await slapd?.stop().catch(() => undefined);
  });

  it('blocks nobody when the directory is down, and the next run completes the work', async () => {
    const { LdapSubtree } = await import('../helpers/slapd.ts');
    const { withRoot } = await import('../helpers/slapd.ts');
    const base = `ou=people,${slapd.suffix}`;
    await withRoot(slapd, (c) =>
      c.add(base, { objectClass: ['organizationalUnit'], ou: 'people' }),
    );
    const t = new LdapSubtree(slapd, base);
    await t.addUsers(
      Array.from({ length: 30 }, (_, i) => ({ uid: `p${i}`, mail: `p${i}@example.test` })),
    );
    const d = await s.request('POST', '/api/people/v2/directories', {
      body: {
        type: 'ldap',
        name: 'Fragile',
        preset: 'openldap',
        url: slapd.url,
        bind_dn: slapd.bindDn,
        bind_password: slapd.bindPassword,
        base_dn: base,
        mapping: { firstname: 'cn', surname: 'sn', email: 'mail' },
      },
    });
    const first = await s.request('POST', `/api/people/v2/directories/${d.body.id}/sync`, {
      body: {},
    });
    assert.equal(first.body.counts.created, 30, first.text);
    await slapd.stop();
    const down = await s.request('POST', `/api/people/v2/directories/${d.body.id}/sync`, {
      body: {},
    });
    assert.equal(down.body.status, 'failed');
    assert.match(down.body.stop_reason as string, /nobody was blocked/);
    const list = await s.request('GET', '/api/people/v2/users?limit=100');
    assert.ok(
      (list.body.data as { state: string; username: string }[])
        .filter((p) => p.username.startsWith('p'))
        .every((p) => p.state === 'active'),
    );
    const signIn = await s.request('POST', '/api/session', {
      key: null,
      body: { username: 'p1', password: 'whatever-pw' },
    });
    assert.equal(signIn.status, 503);
    assert.equal(signIn.body.type, 'directory_unreachable');
  });
});
