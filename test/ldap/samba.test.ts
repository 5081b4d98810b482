/**
 * The LDAP protocol layer against a real Active Directory (Samba AD DC): objectGUID as a
 * GUID string, sAMAccountName, userAccountControl (disabled) vs lockout (not disabled),
 * nested sync groups by both strategies, moves between OUs, Deleted Objects, the USN
 * watermark, ranged member reads (asked for explicitly: Samba does not force ranges),
 * LDAPS and StartTLS with the test CA (and a wrong CA), and AD's bind sub-codes.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { AdSubtree } from '../helpers/samba.ts';
import { adSubtree } from '../helpers/samba.ts';
import {
  currentWatermark,
  findUser,
  LdapError,
  LDAP_PRESETS,
  normalizeDn,
  readAllIds,
  readDeletedSince,
  readGroups,
  readMappedUsers,
  readUsers,
  testConnection,
  verifyPassword,
  type LdapConnectionSettings,
  type LdapUserEntry,
  type LdapUserSearch,
} from '../../src/gates/ldap/index.ts';
import type { NestingStrategy } from '../../src/gates/ldap/scope.ts';

const PW = 'Str0ng-Passw0rd!';

function searchOf(t: AdSubtree, over: Partial<LdapUserSearch> = {}): LdapUserSearch {
  const p = LDAP_PRESETS.active_directory;
  return {
    baseDn: t.baseDn,
    userFilter: p.userFilter,
    idAttribute: p.idAttribute,
    usernameAttribute: p.usernameAttribute,
    attributes: ['givenName', 'sn', 'mail', 'manager'],
    activeDirectory: true,
    ...over,
  };
}

async function readAll(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  opts: { changedSince?: string; nesting?: NestingStrategy } = {},
): Promise<LdapUserEntry[]> {
  const out: LdapUserEntry[] = [];
  for await (const page of readUsers(conn, search, opts)) out.push(...page);
  return out;
}

async function kindOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (err) {
    assert.ok(err instanceof LdapError, String(err));
    return err.kind;
  }
  return 'no error';
}

describe('ldap layer on Active Directory (Samba)', () => {
  let t: AdSubtree;
  let conn: LdapConnectionSettings;
  before(async () => {
    t = await adSubtree('layer');
    conn = t.connection();
    await t.addOu('Sales');
    await t.addOu('Leavers');
    await t.addUser(
      { sam: 'ada', givenName: 'Ada', sn: 'Lovelace', mail: 'ada@example.test', password: PW },
      'Sales',
    );
    await t.addUser(
      {
        sam: 'bob',
        sn: 'Byte',
        mail: 'bob@example.test',
        password: PW,
        extra: { manager: t.userDn('ada', 'Sales') },
      },
      'Sales',
    );
    await t.addUser({ sam: 'cy', sn: 'Cipher', password: PW, uac: 514 }, 'Sales');
    await t.addUser({ sam: 'dee', sn: 'Delta', password: PW }, 'Sales');
  });

  it('objectGUID is read as binary and given as a lower-case GUID string; uac bit 2 is disabled', async () => {
    const entries = await readAll(conn, searchOf(t, { pageSize: 2 }));
    assert.deepEqual(entries.map((e) => e.username).sort(), ['ada', 'bob', 'cy', 'dee']);
    for (const e of entries)
      assert.match(e.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(entries.find((e) => e.username === 'cy')?.disabled, true);
    assert.equal(entries.find((e) => e.username === 'ada')?.disabled, false);
    // Bob as the sync maps him (map-raw.ts), with the preset's mapping.
    let bob;
    for await (const page of readMappedUsers(
      conn,
      searchOf(t, { pageSize: 2 }),
      LDAP_PRESETS.active_directory.mapping,
    ))
      bob ??= page.find((e) => e.username === 'bob');
    assert.ok(bob);
    assert.equal(bob.manager?.kind, 'dn');
    assert.equal(normalizeDn(bob.manager?.ref ?? ''), normalizeDn(t.userDn('ada', 'Sales')));
    assert.equal(bob.active, true);
    // The same GUID the directory's own tools show (the first groups little-endian).
    const raw = await t.admin((c) =>
      c.search(t.userDn('ada', 'Sales'), {
        scope: 'base',
        attributes: ['objectGUID'],
        explicitBufferAttributes: ['objectGUID'],
      }),
    );
    const bytes = raw.searchEntries[0]?.objectGUID as Buffer;
    const ada = entries.find((e) => e.username === 'ada')!;
    assert.equal(
      ada.id.replace(/-/g, '').slice(0, 8),
      Buffer.from(bytes.subarray(0, 4)).reverse().toString('hex'),
    );
    const r = await testConnection(conn, searchOf(t, { attributes: ['mail', 'department'] }));
    assert.deepEqual(r.missingAttributes, ['department']);
  });

  it('nested sync group: walk and in-chain rule give the same members', async () => {
    const inner = await t.addGroup('inner', [t.userDn('dee', 'Sales')]);
    const top = await t.addGroup('top', [t.userDn('ada', 'Sales'), inner]);
    for (const nesting of ['walk', 'in_chain'] as const) {
      const got = await readAll(conn, searchOf(t, { syncGroupDn: top }), { nesting });
      assert.deepEqual(got.map((e) => e.username).sort(), ['ada', 'dee'], nesting);
    }
  });

  it('ranged member reads: a group read in ranges of 2 yields every member', async () => {
    const dns = [
      t.userDn('ada', 'Sales'),
      t.userDn('bob', 'Sales'),
      t.userDn('cy', 'Sales'),
      t.userDn('dee', 'Sales'),
    ];
    await t.addGroup('big', dns);
    const ids = new Map<string, string>();
    for (const e of await readAll(conn, searchOf(t))) ids.set(normalizeDn(e.dn), e.id);
    for (const rangeStep of [2, 3, undefined]) {
      const groups = await readGroups(
        conn,
        { baseDn: t.baseDn, filter: '(&(objectClass=group)(cn=big))' },
        (dn) => ids.get(dn),
        { activeDirectory: true, rangeStep },
      );
      assert.equal(groups.length, 1);
      assert.equal(groups[0]?.memberUserIds.length, 4, `range step ${rangeStep}`);
      assert.deepEqual(new Set(groups[0]?.memberUserIds), new Set(ids.values()));
    }
  });

  it('lockout is not "disabled"; sign-in names lockout, disabled, must-change and expired', async () => {
    await t.addUser({ sam: 'lou', sn: 'Locked', password: PW }, 'Sales');
    for (let i = 0; i < 3; i++) {
      const r = await verifyPassword(conn, searchOf(t), 'lou', 'wrong-password');
      assert.ok(!r.ok && r.kind === 'invalid_credentials', JSON.stringify(r));
    }
    const locked = await verifyPassword(conn, searchOf(t), 'lou', PW);
    assert.ok(!locked.ok && locked.kind === 'account_locked', JSON.stringify(locked));
    assert.equal((await findUser(conn, searchOf(t), 'lou'))?.active, true);

    const disabled = await verifyPassword(conn, searchOf(t), 'cy', PW);
    assert.ok(!disabled.ok && disabled.kind === 'account_disabled', JSON.stringify(disabled));

    await t.addUser({ sam: 'max', sn: 'Must', password: PW, extra: {} }, 'Sales');
    await t.modify(t.userDn('max', 'Sales'), 'replace', 'pwdLastSet', ['0']);
    const must = await verifyPassword(conn, searchOf(t), 'max', PW);
    assert.ok(!must.ok && must.kind === 'password_must_change', JSON.stringify(must));

    await t.addUser({ sam: 'exp', sn: 'Expired', password: PW }, 'Sales');
    await t.modify(t.userDn('exp', 'Sales'), 'replace', 'accountExpires', ['1']);
    const expired = await verifyPassword(conn, searchOf(t), 'exp', PW);
    assert.ok(
      !expired.ok && expired.kind === 'account_disabled' && /expired/.test(expired.message),
      JSON.stringify(expired),
    );

    const ok = await verifyPassword(conn, searchOf(t), 'ada@example.test', PW);
    assert.ok(ok.ok && ok.entry.username === 'ada', JSON.stringify(ok));
    const empty = await verifyPassword(conn, searchOf(t), 'ada', '');
    assert.ok(!empty.ok && empty.kind === 'invalid_credentials');
  });

  it('move between OUs keeps the objectGUID; USN watermark; Deleted Objects', async () => {
    const before = (await findUser(conn, searchOf(t), 'dee'))!;
    const w = await currentWatermark(conn, searchOf(t));
    assert.match(w ?? '', /^\d+$/);
    await t.moveTo(t.userDn('dee', 'Sales'), t.userDn('dee', 'Leavers'));
    const changed = await readAll(conn, searchOf(t), { changedSince: w });
    // Samba writes a user's logon data (uSNChanged grows) a moment after a successful bind, so
    // ada, who signed in just before, may come too: an incremental run maps it as unchanged.
    const names = changed.map((e) => e.username);
    assert.ok(names.includes('dee'), names.join());
    for (const untouched of ['bob', 'cy']) assert.ok(!names.includes(untouched), names.join());
    const dee = changed.find((e) => e.username === 'dee');
    assert.equal(dee?.id, before.externalId);
    assert.equal(normalizeDn(dee?.dn ?? ''), normalizeDn(t.userDn('dee', 'Leavers')));

    const w2 = (await currentWatermark(conn, searchOf(t)))!;
    await t.remove(t.userDn('dee', 'Leavers'));
    const deleted = await readDeletedSince(conn, searchOf(t), w2);
    assert.ok(
      deleted.includes(before.externalId),
      `${JSON.stringify(deleted)} has ${before.externalId}`,
    );
    assert.ok(!(await readAllIds(conn, searchOf(t))).has(before.externalId));
  });

  it('LDAPS and StartTLS with the CA; a wrong CA is a TLS error; other error kinds', async () => {
    const ldaps = await testConnection(
      { ...conn, url: t.info.ldapsUrl, caPem: t.info.caPem },
      searchOf(t),
    );
    assert.ok(ldaps.entriesSeen >= 3);
    const starttls = await testConnection(
      { ...conn, startTls: true, caPem: t.info.caPem },
      searchOf(t),
    );
    assert.equal(starttls.entriesSeen, ldaps.entriesSeen);
    assert.equal(
      await kindOf(() =>
        testConnection({ ...conn, url: t.info.ldapsUrl, caPem: t.info.wrongCaPem }, searchOf(t)),
      ),
      'tls',
    );
    assert.equal(
      await kindOf(() =>
        testConnection({ ...conn, startTls: true, caPem: t.info.wrongCaPem }, searchOf(t)),
      ),
      'tls',
    );
    assert.equal(
      await kindOf(() => testConnection({ ...conn, url: t.info.ldapsUrl }, searchOf(t))),
      'tls',
    );
    assert.equal(
      await kindOf(() => testConnection({ ...conn, bindPassword: 'wrong' }, searchOf(t))),
      'invalid_credentials',
    );
    assert.equal(
      await kindOf(() => testConnection(conn, searchOf(t, { baseDn: `OU=missing,${t.baseDn}` }))),
      'base_dn_not_found',
    );
    assert.equal(
      await kindOf(() => testConnection(conn, searchOf(t, { userFilter: '(objectClass=user' }))),
      'bad_filter',
    );
  });
});
