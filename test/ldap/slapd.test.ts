/**
 * The LDAP protocol layer against a real OpenLDAP: paging past the server's size limit, a
 * size limit and a lost connection surfacing as errors (never as a short result), nested
 * sync groups, renames and moves under the same entryUUID, incremental reads by watermark,
 * group reads, lookups with hostile input, bind sign-in, and the error kinds.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'ldapts';
import {
  ldapSubtree,
  startSlapd,
  LdapSubtree,
  withRoot,
  freePort,
  type SlapdServer,
} from '../helpers/slapd.ts';
import {
  currentWatermark,
  findUser,
  LdapError,
  readAllIds,
  readDeletedSince,
  readGroups,
  readUsers,
  testConnection,
  verifyPassword,
  normalizeDn,
  LDAP_PRESETS,
  type LdapConnectionSettings,
  type LdapUserEntry,
  type LdapUserSearch,
} from '../../src/gates/ldap/index.ts';

function searchOf(t: LdapSubtree, over: Partial<LdapUserSearch> = {}): LdapUserSearch {
  return {
    baseDn: t.baseDn,
    userFilter: LDAP_PRESETS.openldap.userFilter,
    idAttribute: 'entryUUID',
    usernameAttribute: 'uid',
    attributes: ['mail', 'givenName', 'sn'],
    activeDirectory: false,
    ...over,
  };
}

async function readAll(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  changedSince?: string,
): Promise<{ entries: LdapUserEntry[]; pages: number }> {
  const entries: LdapUserEntry[] = [];
  let pages = 0;
  for await (const page of readUsers(conn, search, { changedSince })) {
    pages++;
    entries.push(...page);
  }
  return { entries, pages };
}

async function rejectsWith(work: () => Promise<unknown>, kind: string): Promise<LdapError> {
  let caught: unknown;
  try {
    await work();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof LdapError, `expected an LdapError(${kind}), got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  assert.ok(caught.message.length > 20);
  return caught;
}

describe('ldap layer on OpenLDAP: paging and limits', () => {
  let s: SlapdServer;
  let t: LdapSubtree;
  before(async () => {
    // 7 entries per non-paged search, 60 per paged search in total.
    s = await startSlapd({ sizeSoft: 7, sizePrTotal: 60 });
    await withRoot(s, (c) =>
      c.add(`ou=p,${s.suffix}`, { objectClass: ['organizationalUnit'], ou: 'p' }),
    );
    t = new LdapSubtree(s, `ou=p,${s.suffix}`);
    await t.addUsers(
      Array.from({ length: 40 }, (_, i) => ({ uid: `p${i}`, mail: `p${i}@example.test` })),
    );
  });
  after(() => s.stop());

  it('the size limit is real: a plain search of the reader fails past 7 entries', async () => {
    const c = new Client({ url: s.url });
    await c.bind(s.bindDn, s.bindPassword);
    await assert.rejects(
      c.search(t.baseDn, { filter: '(objectClass=inetOrgPerson)' }),
      /SizeLimitExceeded|0x4/,
    );
    await c.unbind();
  });

  it('a paged read returns all 40 entries across pages of 5', async () => {
    const { entries, pages } = await readAll(t.connection(), searchOf(t, { pageSize: 5 }));
    assert.equal(entries.length, 40);
    assert.equal(pages, 8);
    assert.equal(new Set(entries.map((e) => e.id)).size, 40);
    assert.deepEqual(
      entries.map((e) => e.username).sort(),
      Array.from({ length: 40 }, (_, i) => `p${i}`).sort(),
    );
  });

  it('a paged search stopped by the server limit is an error, not a short result', async () => {
    await t.addUsers(Array.from({ length: 30 }, (_, i) => ({ uid: `q${i}` })));
    const seen: number[] = [];
    await rejectsWith(async () => {
      for await (const page of readUsers(t.connection(), searchOf(t, { pageSize: 5 })))
        seen.push(page.length);
    }, 'size_limit');
    assert.ok(seen.reduce((a, b) => a + b, 0) < 70);
    await rejectsWith(() => readAllIds(t.connection(), searchOf(t, { pageSize: 5 })), 'size_limit');
  });
});

describe('ldap layer on OpenLDAP: a connection lost mid-read', () => {
  it('throws partial_results when slapd stops between pages', async () => {
    const s = await startSlapd();
    try {
      await withRoot(s, (c) =>
        c.add(`ou=f,${s.suffix}`, { objectClass: ['organizationalUnit'], ou: 'f' }),
      );
      const t = new LdapSubtree(s, `ou=f,${s.suffix}`);
      await t.addUsers(Array.from({ length: 30 }, (_, i) => ({ uid: `f${i}` })));
      const it = readUsers(t.connection(), searchOf(t, { pageSize: 10 }))[Symbol.asyncIterator]();
      const first = await it.next();
      assert.equal(first.done, false);
      await s.pause();
      const err = await rejectsWith(() => it.next(), 'partial_results');
      assert.match(err.message, /stopped after 1 page/);
      // The same directory down before a read: a clear connection error.
      await rejectsWith(() => readAllIds(t.connection(), searchOf(t)), 'connection_refused');
      const v = await verifyPassword(t.connection(), searchOf(t), 'f1', 'whatever');
      assert.equal(v.ok, false);
      assert.ok(!v.ok && v.kind === 'connection_refused', JSON.stringify(v));
      assert.ok(!v.ok && !/wrong/i.test(v.message));
      await s.restart();
      assert.equal((await readAllIds(t.connection(), searchOf(t))).size, 30);
    } finally {
      await s.stop();
    }
  });
});

describe('ldap layer on OpenLDAP: entries, groups, changes', () => {
  let t: LdapSubtree;
  let conn: LdapConnectionSettings;
  before(async () => {
    t = await ldapSubtree('layer');
    conn = t.connection();
    await t.addOu('staff');
    await t.addOu('leavers');
    await t.addUser(
      {
        uid: 'ada',
        givenName: 'Ada',
        sn: 'Lovelace',
        mail: 'ada@example.test',
        password: 'ada-secret-1',
      },
      'staff',
    );
    await t.addUser(
      {
        uid: 'bob',
        givenName: 'Bob',
        sn: 'Byte',
        mail: 'bob@example.test',
        password: 'bob-secret-1',
      },
      'staff',
    );
    await t.addUser({ uid: 'cy', sn: 'Cipher', mail: 'cy@example.test' }, 'staff');
    await t.addUser({ uid: 'dee', sn: 'Delta', mail: 'dee@example.test' }, 'staff');
    await t.addUser({ uid: 'eve', sn: 'Outside', mail: 'eve@example.test' }, 'staff');
  });

  it('testConnection: entries seen, a sample, and the mapped attributes no entry has', async () => {
    const r = await testConnection(
      conn,
      searchOf(t, { attributes: ['mail', 'givenName', 'departmentNumber'] }),
      { sampleSize: 2 },
    );
    assert.equal(r.entriesSeen, 5);
    assert.equal(r.sample.length, 2);
    assert.deepEqual(r.missingAttributes, ['departmentNumber']);
    const ada = (await findUser(conn, searchOf(t), 'ada', { firstname: 'givenName' }))!;
    assert.match(ada.externalId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(ada.fields, { firstname: 'Ada' });
    assert.equal(ada.active, true);
  });

  it('nested sync group: members at any depth, a loop tolerated, others left out', async () => {
    const inner = await t.addGroup('inner', [t.userDn('cy', 'staff')]);
    const middle = await t.addGroup('middle', [t.userDn('bob', 'staff'), inner]);
    const top = await t.addGroup('top', [t.userDn('ada', 'staff'), middle]);
    await t.addMember(inner, top); // a loop: top → middle → inner → top
    const { entries } = await readAll(conn, searchOf(t, { syncGroupDn: top }));
    assert.deepEqual(entries.map((e) => e.username).sort(), ['ada', 'bob', 'cy']);
    await t.removeMember(inner, t.userDn('cy', 'staff'));
    const after = await readAllIds(conn, searchOf(t, { syncGroupDn: top }));
    assert.deepEqual([...after.values()].sort(), ['ada', 'bob']);
    await rejectsWith(
      () => readAllIds(conn, searchOf(t, { syncGroupDn: `cn=nope,${t.baseDn}` })),
      'base_dn_not_found',
    );
  });

  it('group read: member users by id and member groups by id', async () => {
    const ids = new Map<string, string>();
    for await (const page of readUsers(conn, searchOf(t)))
      for (const e of page) ids.set(normalizeDn(e.dn), e.id);
    const groups = await readGroups(
      conn,
      { baseDn: t.baseDn, filter: '(objectClass=groupOfNames)' },
      (dn) => ids.get(dn),
    );
    const byName = new Map(groups.map((g) => [g.name, g]));
    assert.deepEqual([...byName.keys()].sort(), ['inner', 'middle', 'top']);
    const ada = (await findUser(conn, searchOf(t), 'ada'))!;
    assert.deepEqual(byName.get('top')?.memberUserIds, [ada.externalId]);
    assert.deepEqual(byName.get('top')?.memberGroupIds, [byName.get('middle')?.id]);
    assert.deepEqual(byName.get('inner')?.memberGroupIds, [byName.get('top')?.id]);
  });

  it('rename and move keep the entryUUID; the DN and username follow', async () => {
    const before = (await findUser(conn, searchOf(t), 'dee'))!;
    await t.moveTo(t.userDn('dee', 'staff'), t.userDn('dee', 'leavers'));
    const moved = (await findUser(conn, searchOf(t), 'dee'))!;
    assert.equal(moved.externalId, before.externalId);
    assert.equal(normalizeDn(moved.dn), normalizeDn(t.userDn('dee', 'leavers')));
    await t.moveTo(t.userDn('dee', 'leavers'), `uid=dora,ou=leavers,${t.baseDn}`);
    const renamed = (await findUser(conn, searchOf(t), 'dora'))!;
    assert.equal(renamed.externalId, before.externalId);
    assert.equal(renamed.username, 'dora');
    assert.equal(await findUser(conn, searchOf(t), 'dee'), undefined);
  });

  it('incremental: changedSince the watermark returns only what changed after it', async () => {
    await sleep(1100);
    await t.modify(t.baseDn, 'replace', 'description', ['tick']); // a write after the creations, out of scope
    const w = await currentWatermark(conn, searchOf(t));
    assert.match(w ?? '', /^\d{14}Z$/);
    await sleep(1100); // modifyTimestamp has one-second resolution
    await t.modify(t.userDn('bob', 'staff'), 'replace', 'mail', ['robert@example.test']);
    const { entries } = await readAll(conn, searchOf(t), w);
    assert.deepEqual(
      entries.map((e) => e.username),
      ['bob'],
    );
    assert.deepEqual(entries[0]?.attributes['mail'], ['robert@example.test']);
    assert.deepEqual(await readDeletedSince(conn, searchOf(t), w!), []);
  });

  it('findUser: by username or email; filter metacharacters are data', async () => {
    assert.equal((await findUser(conn, searchOf(t), 'ADA@example.test'))?.username, 'ada');
    assert.equal(await findUser(conn, searchOf(t), '*'), undefined);
    assert.equal(await findUser(conn, searchOf(t), 'a*)(uid=*'), undefined);
    assert.equal(await findUser(conn, searchOf(t), 'nobody'), undefined);
  });

  it('bind sign-in: right, wrong, empty and unknown', async () => {
    const ok = await verifyPassword(conn, searchOf(t), 'ada', 'ada-secret-1');
    assert.ok(ok.ok && ok.entry.username === 'ada');
    const byMail = await verifyPassword(conn, searchOf(t), 'ada@example.test', 'ada-secret-1');
    assert.ok(byMail.ok);
    for (const [user, pw] of [
      ['ada', 'wrong'],
      ['ada', ''],
      ['nobody', 'x'],
      ['*', 'ada-secret-1'],
    ] as const) {
      const r = await verifyPassword(conn, searchOf(t), user, pw);
      assert.ok(!r.ok && r.kind === 'invalid_credentials', `${user}/${pw}: ${JSON.stringify(r)}`);
    }
    // A wrong service password is the administrator's problem, not a wrong user password.
    const svc = await verifyPassword(
      { ...conn, bindPassword: 'wrong' },
      searchOf(t),
      'ada',
      'ada-secret-1',
    );
    assert.ok(!svc.ok && svc.kind === 'other' && /bind account/.test(svc.message));
  });

  it('error kinds: credentials, refused port, bad filter, missing base DN, bad URL', async () => {
    await rejectsWith(
      () => testConnection({ ...conn, bindPassword: 'wrong' }, searchOf(t)),
      'invalid_credentials',
    );
    await rejectsWith(
      () => testConnection({ ...conn, bindPassword: '' }, searchOf(t)),
      'invalid_credentials',
    );
    const closed = await freePort();
    await rejectsWith(
      () => testConnection({ ...conn, url: `ldap://127.0.0.1:${closed}` }, searchOf(t)),
      'connection_refused',
    );
    await rejectsWith(
      () => testConnection(conn, searchOf(t, { userFilter: '(&(objectClass=inetOrgPerson)' })),
      'bad_filter',
    );
    await rejectsWith(
      () => testConnection(conn, searchOf(t, { baseDn: `ou=missing,${t.baseDn}` })),
      'base_dn_not_found',
    );
    await rejectsWith(
      () => testConnection({ ...conn, url: 'http://127.0.0.1' }, searchOf(t)),
      'other',
    );
    await rejectsWith(
      () => testConnection(conn, searchOf(t, { idAttribute: 'employeeNumber' })),
      'other',
    );
  });
});
