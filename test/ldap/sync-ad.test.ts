/**
 * Directory sync against a real Active Directory (Samba AD DC), end to end through the People
 * API: a directory made with the AD preset, synced, then followed through what AD does —
 * objectGUID (binary) as the stable id, sAMAccountName, a disabled account (userAccountControl
 * bit 2) blocked, a locked-out one not, a move between OUs, deletions found by a full run and
 * by an incremental run (uSNChanged + Deleted Objects), a nested sync group, LDAPS and
 * StartTLS, and sign-in by bind with AD's refusal sub-codes as the sign-in page says them.
 * test/ldap/samba.test.ts tests the same directory at the protocol layer only.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { adSubtree, type AdSubtree } from '../helpers/samba.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const KEY = { GATEHOUSE_SECRET_KEY: 'ad'.repeat(32) };
const PW = 'Str0ng-Passw0rd!';
/** sAMAccountName is unique in the whole domain, which other test files share: ours end in a tag. */
const TAG = randomBytes(2).toString('hex');
const sam = (name: string): string => `${name}-${TAG}`;
const U = Object.fromEntries(
  ['ada', 'bob', 'cy', 'lou', 'max', 'mover', 'gone1', 'gone2', 'nest1', 'nest2'].map((n) => [
    n,
    sam(n),
  ]),
) as Record<
  'ada' | 'bob' | 'cy' | 'lou' | 'max' | 'mover' | 'gone1' | 'gone2' | 'nest1' | 'nest2',
  string
>;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface PersonView {
  id: number;
  username: string;
  state: string;
  firstname: string;
  email: string;
  manager_id: number | null;
  directory_id: number | null;
}

describe('LDAP sync: Active Directory (Samba) end to end', () => {
  let s: TestServer;
  let t: AdSubtree;
  let dirId: number;
  const api = (method: string, path: string, body?: unknown) =>
    s.request(method, `/api/people/v2${path}`, body === undefined ? {} : { body });
  const sync = async (id: number, body: Record<string, unknown> = {}) => {
    const r = await api('POST', `/directories/${id}/sync`, body);
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  const person = async (username: string): Promise<PersonView | undefined> => {
    const r = await api('GET', `/users?q=${encodeURIComponent(username)}&limit=200`);
    assert.equal(r.status, 200, r.text);
    return (r.body.data as PersonView[]).find((p) => p.username === username);
  };
  const signIn = (username: string, password: string) =>
    s.request('POST', '/api/session', { key: null, body: { username, password } });
  const makeDirectory = async (over: Record<string, unknown>) => {
    const r = await api('POST', '/directories', {
      type: 'ldap',
      preset: 'active_directory',
      bind_dn: t.info.adminDn,
      bind_password: t.info.adminPassword,
      base_dn: t.baseDn,
      ...over,
    });
    assert.equal(r.status, 201, r.text);
    return r.body as { id: number; id_attribute: string; username_attribute: string };
  };

  before(async () => {
    s = await startTestServer(KEY);
    t = await adSubtree('sync');
    await t.addOu('Staff');
    await t.addOu('Leavers');
    const ada = await t.addUser(
      { sam: U.ada, givenName: 'Ada', sn: 'Lovelace', mail: `${U.ada}@example.test`, password: PW },
      'Staff',
    );
    await t.addUser(
      {
        sam: U.bob,
        givenName: 'Bob',
        sn: 'Byte',
        mail: `${U.bob}@example.test`,
        password: PW,
        extra: { manager: ada, title: 'Engineer', department: 'R&D' },
      },
      'Staff',
    );
    await t.addUser(
      {
        sam: U.cy,
        givenName: 'Cy',
        sn: 'Cipher',
        mail: `${U.cy}@example.test`,
        password: PW,
        uac: 514,
      },
      'Staff',
    );
    for (const n of ['lou', 'max', 'mover', 'gone1', 'gone2', 'nest1', 'nest2'] as const)
      await t.addUser(
        { sam: U[n], givenName: n, sn: 'Staff', mail: `${U[n]}@example.test`, password: PW },
        'Staff',
      );
    const d = await makeDirectory({
      name: 'Corp AD',
      url: t.info.url,
      // One deletion among ten accounts is more than the default 10%.
      max_block_percent: 30,
    });
    assert.equal(d.id_attribute, 'objectGUID');
    assert.equal(d.username_attribute, 'sAMAccountName');
    dirId = d.id;
  });
  after(async () => {
    await s?.close();
  });

  it('tests the connection: the sample is mapped with the preset, objectGUID as a GUID', async () => {
    const r = await api('POST', `/directories/${dirId}/test`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.ok, true, r.text);
    assert.equal(r.body.entries_seen, 10);
    for (const e of r.body.sample as { external_id: string }[]) assert.match(e.external_id, GUID);
  });

  it('the first run creates every account, keyed by objectGUID, the disabled one blocked', async () => {
    const r = await sync(dirId);
    assert.equal(r.status, 'completed', r.stop_reason);
    const items = await api('GET', `/directories/${dirId}/runs/${r.id}?action=error`);
    assert.equal(r.counts.created, 10, JSON.stringify(items.body.items));
    const ada = (await person(U.ada))!;
    const bob = (await person(U.bob))!;
    assert.equal(bob.manager_id, ada.id);
    assert.equal(ada.state, 'active');
    assert.equal(ada.email, `${U.ada}@example.test`);
    assert.equal(ada.directory_id, dirId);
    // A disabled account (userAccountControl 514) is made blocked, by the directory.
    assert.equal((await person(U.cy))!.state, 'blocked');
    // The link is the objectGUID in its usual text form, the same bytes AD holds.
    const ids = await api('GET', `/users/${ada.id}/identities`);
    assert.equal(ids.status, 200, ids.text);
    const link = (ids.body.data as { provider: string; external_id: string }[]).find(
      (l) => l.provider === `directory:${dirId}`,
    );
    assert.ok(link, ids.text);
    assert.match(link.external_id, GUID);
    const raw = await t.admin((c) =>
      c.search(t.userDn(U.ada, 'Staff'), {
        scope: 'base',
        attributes: ['objectGUID'],
        explicitBufferAttributes: ['objectGUID'],
      }),
    );
    const bytes = raw.searchEntries[0]?.objectGUID as Buffer;
    assert.equal(
      link.external_id.replace(/-/g, '').slice(0, 8),
      Buffer.from(bytes.subarray(0, 4)).reverse().toString('hex'),
    );
    assert.equal(link.external_id.replace(/-/g, '').slice(16), bytes.subarray(8).toString('hex'));
    const again = await sync(dirId);
    const againItems = await api('GET', `/directories/${dirId}/runs/${again.id}`);
    assert.equal(again.counts.unchanged, 10, JSON.stringify(againItems.body.items));
  });

  it('signs a synced account in by bind; a wrong password is the usual refusal', async () => {
    const ok = await signIn(U.bob, PW);
    assert.equal(ok.status, 200, ok.text);
    const wrong = await signIn(U.bob, 'not-the-password');
    assert.equal(wrong.status, 401, wrong.text);
    assert.equal(wrong.body.type, 'invalid_credentials');
  });

  it('AD refusals of a right password are said as such (disabled, locked out, must change)', async () => {
    const disabled = await signIn(U.cy, PW);
    assert.equal(disabled.status, 403, disabled.text);
    assert.equal(disabled.body.type, 'directory_sign_in_refused');
    assert.match(disabled.body.error as string, /disabled in the directory/);

    // Three wrong passwords lock the account in AD (the test domain's threshold).
    for (let i = 0; i < 3; i++) assert.equal((await signIn(U.lou, 'wrong-password')).status, 401);
    const locked = await signIn(U.lou, PW);
    assert.equal(locked.status, 403, locked.text);
    assert.equal(locked.body.type, 'directory_sign_in_refused');
    assert.match(locked.body.error as string, /locked in the directory/);

    await t.modify(t.userDn(U.max, 'Staff'), 'replace', 'pwdLastSet', ['0']);
    const must = await signIn(U.max, PW);
    assert.equal(must.status, 403, must.text);
    assert.equal(must.body.type, 'directory_sign_in_refused');
    assert.match(must.body.error as string, /requires a new password/);
  });

  it('a locked-out account is not blocked by the sync; a disabled one is, and comes back', async () => {
    const lockout = await t.admin((c) =>
      c.search(t.userDn(U.lou, 'Staff'), { scope: 'base', attributes: ['lockoutTime'] }),
    );
    assert.notEqual(String(lockout.searchEntries[0]?.lockoutTime ?? '0'), '0');
    await t.disable(t.userDn(U.bob, 'Staff'));
    const r = await sync(dirId);
    assert.equal(r.status, 'completed', r.stop_reason);
    assert.equal((await person(U.lou))!.state, 'active');
    assert.equal((await person(U.bob))!.state, 'blocked');
    assert.equal(r.counts.blocked, 1, JSON.stringify(r.counts));
    await t.enable(t.userDn(U.bob, 'Staff'));
    const back = await sync(dirId);
    assert.equal(back.counts.reactivated, 1, JSON.stringify(back.counts));
    assert.equal((await person(U.bob))!.state, 'active');
  });

  it('a user moved to another OU is the same account, still synced', async () => {
    const before = (await person(U.mover))!;
    await t.moveTo(t.userDn(U.mover, 'Staff'), t.userDn(U.mover, 'Leavers'));
    await t.modify(t.userDn(U.mover, 'Leavers'), 'replace', 'givenName', ['Moved']);
    const r = await sync(dirId);
    assert.equal(r.status, 'completed', r.stop_reason);
    assert.equal(r.counts.created, 0, JSON.stringify(r.counts));
    assert.equal(r.counts.blocked, 0, JSON.stringify(r.counts));
    const after = (await person(U.mover))!;
    assert.equal(after.id, before.id);
    assert.equal(after.state, 'active');
    assert.equal(after.firstname, 'Moved');
  });

  it('a deleted user is blocked by the next full run, never deleted', async () => {
    await t.remove(t.userDn(U.gone1, 'Staff'));
    const r = await sync(dirId);
    assert.equal(r.status, 'completed', r.stop_reason);
    assert.equal(r.counts.blocked, 1, JSON.stringify(r.counts));
    assert.equal((await person(U.gone1))?.state, 'blocked');
  });

  it('an incremental run reads uSNChanged and blocks a user deleted since (Deleted Objects)', async () => {
    // The full run before set the watermark; change one user and delete another.
    await t.modify(t.userDn(U.ada, 'Staff'), 'replace', 'givenName', ['Augusta']);
    await t.remove(t.userDn(U.gone2, 'Staff'));
    const r = await sync(dirId, { mode: 'incremental' });
    assert.equal(r.status, 'completed', r.stop_reason);
    assert.equal(r.mode, 'incremental');
    assert.equal((await person(U.gone2))?.state, 'blocked');
    assert.equal((await person(U.ada))!.firstname, 'Augusta');
    assert.equal(r.counts.blocked, 1, JSON.stringify(r.counts));
    // An incremental run sees only changed entries: the rest are neither read nor blocked.
    assert.ok(r.counts.unchanged + r.counts.updated < 8, JSON.stringify(r.counts));
    assert.equal((await person(U.nest1))!.state, 'active');
  });

  it('a nested sync group: members of nested groups are synced, the others blocked', async () => {
    const inner = await t.addGroup(sam('inner'), [t.userDn(U.nest2, 'Staff')]);
    const outer = await t.addGroup(sam('outer'), [t.userDn(U.nest1, 'Staff'), inner]);
    await api('PATCH', `/directories/${dirId}`, { sync_group_dn: outer, max_block_percent: 100 });
    const r = await sync(dirId);
    assert.equal(r.status, 'completed', r.stop_reason);
    assert.equal((await person(U.nest1))!.state, 'active');
    assert.equal((await person(U.nest2))!.state, 'active');
    for (const out of [U.ada, U.bob, U.lou, U.max, U.mover])
      assert.equal((await person(out))!.state, 'blocked', out);
    assert.equal(r.counts.blocked, 5, JSON.stringify(r.counts));
    await api('PATCH', `/directories/${dirId}`, { sync_group_dn: null, max_block_percent: 30 });
    const restored = await sync(dirId);
    assert.equal(restored.counts.reactivated, 5, JSON.stringify(restored.counts));
    assert.equal((await person(U.ada))!.state, 'active');
  });

  it('LDAPS and StartTLS directories with the CA certificate sync; a wrong CA is a TLS error', async () => {
    for (const [name, who, over] of [
      ['AD over LDAPS', sam('ldaps'), { url: t.info.ldapsUrl, ca_certificate: t.info.caPem }],
      [
        'AD with StartTLS',
        sam('starttls'),
        { url: t.info.url, start_tls: true, ca_certificate: t.info.caPem },
      ],
    ] as const) {
      // Its own OU, below the first directory's base: that one runs no more after this.
      const ou = await t.addOu(who);
      await t.addUser(
        { sam: who, givenName: 'Tls', sn: 'Secure', mail: `${who}@example.test`, password: PW },
        who,
      );
      const d = await makeDirectory({ name, ...over, base_dn: ou });
      const test = await api('POST', `/directories/${d.id}/test`);
      assert.equal(test.body.ok, true, test.text);
      assert.equal(test.body.entries_seen, 1);
      const r = await sync(d.id);
      assert.equal(r.status, 'completed', `${name}: ${r.stop_reason}`);
      assert.equal(r.counts.created, 1, JSON.stringify(r.counts));
      // Sign-in binds over the same TLS settings.
      assert.equal((await signIn(who, PW)).status, 200, name);
      for (const [wrong, patch] of [
        ['wrong CA', { ca_certificate: t.info.wrongCaPem }],
        ['no CA', { ca_certificate: null }],
      ] as const) {
        await api('PATCH', `/directories/${d.id}`, patch);
        const bad = await api('POST', `/directories/${d.id}/test`);
        assert.equal(bad.status, 200, bad.text);
        assert.equal(bad.body.ok, false, `${name}, ${wrong}: ${bad.text}`);
        assert.equal(bad.body.error.type, 'ldap_tls', bad.text);
        assert.match(bad.body.error.message as string, /CA certificate/);
        const failed = await sync(d.id);
        assert.equal(failed.status, 'failed', JSON.stringify(failed));
        assert.match(failed.stop_reason as string, /nobody was blocked/);
        assert.equal((await person(who))!.state, 'active');
        const down = await signIn(who, PW);
        assert.equal(down.status, 503, down.text);
        assert.equal(down.body.type, 'directory_unreachable');
      }
    }
  });
});
