/**
 * Group sync against a real Active Directory (Samba AD DC): groups linked by objectGUID,
 * nested groups mirrored as parents, and member lists read in ranges of a small step (Samba
 * never forces `member;range=`, Windows AD does from 1,500 members) still giving every
 * member; a renamed group stays the same group.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adSubtree, type AdSubtree } from '../helpers/samba.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { startSync } from '../../src/gates/ldap/sync-gate.ts';

const KEY = { GATEHOUSE_SECRET_KEY: 'cd'.repeat(32) };
const PW = 'Str0ng-Passw0rd!';

describe('LDAP group sync: Active Directory (Samba)', () => {
  let s: TestServer;
  let t: AdSubtree;
  let dirId: number;
  const dn: Record<string, string> = {};
  const sync = async (dryRun = false) => {
    const r = await startSync(
      s.app,
      dirId,
      SYSTEM_ACTOR,
      { dryRun, confirmMassBlock: false, groupRangeStep: 2 },
      'manual',
    );
    const report = await r.done;
    assert.equal(report.status, 'completed', report.stop_reason ?? '');
    assert.equal(report.group_error, null);
    return report;
  };
  const groups = async () => {
    const r = await s.request('GET', '/api/people/v2/groups?limit=100');
    return new Map(
      (
        r.body.data as {
          id: number;
          name: string;
          parent_id: number | null;
          directory_id: number;
        }[]
      ).map((g) => [g.name, g]),
    );
  };
  const members = async (groupId: number) => {
    const r = await s.request('GET', `/api/people/v2/groups/${groupId}/users`);
    const users = await s.request('GET', '/api/people/v2/users?limit=200');
    const name = new Map(
      (users.body.data as { id: number; username: string }[]).map((u) => [u.id, u.username]),
    );
    return (r.body.ids as number[]).map((id) => name.get(id) ?? `#${id}`).sort();
  };

  before(async () => {
    s = await startTestServer(KEY);
    t = await adSubtree('groups');
    const staff = await t.addOu('Staff');
    const groupOu = await t.addOu('Groups');
    // sAMAccountName is unique in the whole domain, which other test files share.
    for (const sam of ['gsada', 'gsbob', 'gscy', 'gsdee', 'gseve'])
      dn[sam] = await t.addUser(
        {
          sam,
          givenName: sam.toUpperCase(),
          sn: 'Staff',
          mail: `${sam}@example.test`,
          password: PW,
        },
        'Staff',
      );
    const suffix = t.baseDn.slice(3, 17);
    const group = async (cn: string, memberDns: string[]) => {
      dn[cn] = `CN=${cn},${groupOu}`;
      await t.admin((c) =>
        c.add(dn[cn]!, {
          objectClass: ['top', 'group'],
          cn,
          sAMAccountName: `${cn}-${suffix}`,
          member: memberDns,
        }),
      );
    };
    await group(
      'big',
      ['gsada', 'gsbob', 'gscy', 'gsdee', 'gseve'].map((u) => dn[u]!),
    );
    await group('inner', [dn.gsdee!]);
    await group('outer', [dn.gsada!, dn.inner!]);
    const r = await s.request('POST', '/api/people/v2/directories', {
      body: {
        type: 'ldap',
        name: 'Corp AD',
        preset: 'active_directory',
        url: t.info.url,
        bind_dn: t.info.adminDn,
        bind_password: t.info.adminPassword,
        base_dn: staff,
        group_base_dn: groupOu,
        mapping: { firstname: 'givenName', surname: 'sn', email: 'mail' },
      },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.group_filter, '(objectClass=group)');
    dirId = r.body.id as number;
  });
  after(async () => {
    await s?.close();
  });

  it('a dry run reports every member of a group read in ranges of 2, and writes nothing', async () => {
    const r = await sync(true);
    assert.equal(r.counts.created, 5);
    assert.equal(r.groups?.created, 3);
    // big 5 + inner 1 + outer 1 (the nested group is nesting, not a member).
    assert.equal(r.groups?.members_added, 7);
    assert.equal(r.groups?.nesting_changed, 1);
    assert.equal((await groups()).size, 0);
  });

  it('the run makes the groups with every member and the nesting', async () => {
    const r = await sync();
    assert.deepEqual(r.groups, {
      created: 3,
      renamed: 0,
      members_added: 7,
      members_removed: 0,
      nesting_changed: 1,
      removed: 0,
      errors: 0,
    });
    const g = await groups();
    assert.deepEqual(await members(g.get('big')!.id), ['gsada', 'gsbob', 'gscy', 'gsdee', 'gseve']);
    assert.equal(g.get('inner')!.parent_id, g.get('outer')!.id);
    assert.equal(g.get('big')!.directory_id, dirId);
  });

  it('a renamed AD group (same objectGUID) is the same group; a removed member goes', async () => {
    const before = (await groups()).get('big')!;
    await t.moveTo(dn.big!, dn.big!.replace(/^CN=big/, 'CN=large'));
    dn.big = dn.big!.replace(/^CN=big/, 'CN=large');
    await t.modify(dn.big, 'delete', 'member', [dn.gscy!]);
    const r = await sync();
    assert.equal(r.groups?.renamed, 1);
    assert.equal(r.groups?.created, 0);
    assert.equal(r.groups?.members_removed, 1);
    const after = (await groups()).get('large');
    assert.equal(after?.id, before.id);
    assert.deepEqual(await members(before.id), ['gsada', 'gsbob', 'gsdee', 'gseve']);
  });
});
