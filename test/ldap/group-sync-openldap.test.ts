/**
 * Group sync against a real OpenLDAP (groupOfNames, memberof and refint overlays), end to
 * end through the People API: a dry run that writes nothing, new groups with their members
 * and nesting, a renamed group staying the same group, members added and removed, nesting
 * undone, a group gone, a name another group has, a failed or empty group read that leaves
 * the users' part alone, and the People API refused to change a directory's group.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ldapSubtree, withRoot, type LdapSubtree } from '../helpers/slapd.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const KEY = { GATEHOUSE_SECRET_KEY: 'ab'.repeat(32) };

interface Group {
  id: number;
  name: string;
  parent_id: number | null;
  directory_id: number | null;
}

describe('LDAP group sync: OpenLDAP end to end', () => {
  let s: TestServer;
  let t: LdapSubtree;
  let dirId: number;
  let groupsOu: string;
  const dn: Record<string, string> = {};
  const sync = async (body: Record<string, unknown> = {}) => {
    const r = await s.request('POST', `/api/people/v2/directories/${dirId}/sync`, { body });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'completed', r.body.stop_reason);
    return r.body;
  };
  const groups = async (): Promise<Map<string, Group>> => {
    const r = await s.request('GET', '/api/people/v2/groups?limit=100');
    assert.equal(r.status, 200, r.text);
    return new Map((r.body.data as Group[]).map((g) => [g.name, g]));
  };
  const memberNames = async (groupId: number): Promise<string[]> => {
    const r = await s.request('GET', `/api/people/v2/groups/${groupId}/users`);
    assert.equal(r.status, 200, r.text);
    const users = await s.request('GET', '/api/people/v2/users?limit=200');
    const name = new Map(
      (users.body.data as { id: number; username: string }[]).map((u) => [u.id, u.username]),
    );
    return (r.body.ids as number[]).map((id) => name.get(id) ?? `#${id}`).sort();
  };
  const addGroup = async (cn: string, members: string[]) => {
    dn[cn] = `cn=${cn},${groupsOu}`;
    await withRoot(t.info, (c) =>
      c.add(dn[cn]!, { objectClass: ['groupOfNames'], cn, member: members }),
    );
  };
  const groupAudit = async () => {
    const r = await s.request('GET', '/api/people/v2/audit?target_type=group&limit=100');
    assert.equal(r.status, 200, r.text);
    return r.body as {
      data: { action: string; actor: string; gate: string }[];
      pagination: { total: number };
    };
  };

  before(async () => {
    s = await startTestServer(KEY);
    t = await ldapSubtree('groups');
    const people = await t.addOu('people');
    groupsOu = await t.addOu('groups');
    for (const uid of ['ann', 'ben', 'cat', 'dan', 'eve'])
      dn[uid] = await t.addUser(
        { uid, givenName: uid.toUpperCase(), sn: 'Staff', mail: `${uid}@example.test` },
        'people',
      );
    // A member out of the user base DN: not one of the directory's accounts, not a member here.
    const outsider = await t.addUser({ uid: 'out', sn: 'Side' });
    await addGroup('eng', [dn.ben!, dn.dan!]);
    await addGroup('staff', [dn.ann!, dn.ben!, dn.cat!, dn.eng!, outsider]);
    const r = await s.request('POST', '/api/people/v2/directories', {
      body: {
        type: 'ldap',
        name: 'Group LDAP',
        preset: 'openldap',
        url: t.info.url,
        bind_dn: t.info.bindDn,
        bind_password: t.info.bindPassword,
        base_dn: people,
        group_base_dn: groupsOu,
        mapping: { firstname: 'givenName', surname: 'sn', email: 'mail' },
      },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.group_filter, '(objectClass=groupOfNames)');
    dirId = r.body.id as number;
  });
  after(async () => {
    await s?.close();
  });

  it('a dry run reports the groups it would make, with their members and nesting, and writes nothing', async () => {
    const r = await sync({ dry_run: true });
    assert.equal(r.counts.created, 5);
    assert.deepEqual(r.groups, {
      created: 2,
      renamed: 0,
      members_added: 5,
      members_removed: 0,
      nesting_changed: 1,
      removed: 0,
      errors: 0,
    });
    assert.equal(r.group_error, null);
    assert.equal((await groups()).size, 0);
    assert.equal((await groupAudit()).pagination.total, 0);
    const detail = await s.request(
      'GET',
      `/api/people/v2/directories/${dirId}/runs/${r.id}?action=group_created`,
    );
    assert.equal(detail.status, 200, detail.text);
    assert.deepEqual(
      (detail.body.items.data as { entry: string }[]).map((i) => i.entry.toLowerCase()).sort(),
      [dn.eng!.toLowerCase(), dn.staff!.toLowerCase()],
    );
  });

  it('the first run makes the groups, owned by the directory, with members and nesting', async () => {
    const r = await sync();
    assert.equal(r.counts.created, 5);
    assert.deepEqual(r.groups, {
      created: 2,
      renamed: 0,
      members_added: 5,
      members_removed: 0,
      nesting_changed: 1,
      removed: 0,
      errors: 0,
    });
    const g = await groups();
    const staff = g.get('staff')!;
    const eng = g.get('eng')!;
    assert.equal(staff.directory_id, dirId);
    assert.equal(eng.directory_id, dirId);
    assert.equal(staff.parent_id, null);
    assert.equal(eng.parent_id, staff.id);
    assert.deepEqual(await memberNames(staff.id), ['ann', 'ben', 'cat']);
    assert.deepEqual(await memberNames(eng.id), ['ben', 'dan']);
    // The run's group items, on their own: two groups made, one put inside the other.
    const items = await s.request(
      'GET',
      `/api/people/v2/directories/${dirId}/runs/${r.id}?action=groups`,
    );
    assert.deepEqual((items.body.items.data as { action: string }[]).map((i) => i.action).sort(), [
      'group_created',
      'group_created',
      'group_nesting',
    ]);
    const audit = await groupAudit();
    assert.ok(audit.data.length >= 3);
    for (const e of audit.data) {
      assert.equal(e.gate, 'ldap');
      assert.match(e.actor, /^directory:Group LDAP/);
    }
    // Nothing changed: nothing written, no audit event.
    const again = await sync();
    assert.deepEqual(again.groups, {
      created: 0,
      renamed: 0,
      members_added: 0,
      members_removed: 0,
      nesting_changed: 0,
      removed: 0,
      errors: 0,
    });
    assert.equal((await groupAudit()).pagination.total, audit.pagination.total);
  });

  it('the People API may not change a directory group: name, members, parent or the group itself', async () => {
    const g = await groups();
    const eng = g.get('eng')!;
    const ann = (await s.request('GET', '/api/people/v2/users?q=ann')).body.data[0] as {
      id: number;
    };
    const local = await s.request('POST', '/api/people/v2/groups', { body: { name: 'local' } });
    assert.equal(local.status, 201, local.text);
    for (const [method, path, body] of [
      ['PATCH', `/api/people/v2/groups/${eng.id}`, { name: 'renamed here' }],
      ['PATCH', `/api/people/v2/groups/${eng.id}`, { parent_id: local.body.id }],
      ['PUT', `/api/people/v2/groups/${eng.id}/users/${ann.id}`, undefined],
      ['PUT', `/api/people/v2/groups/${eng.id}/users`, { ids: [ann.id] }],
      ['DELETE', `/api/people/v2/groups/${eng.id}`, undefined],
    ] as const) {
      const r = await s.request(method, path, body === undefined ? {} : { body });
      assert.equal(r.status, 409, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.type, 'field_owned_by_directory');
      assert.match(r.body.error, /synced from a directory; change it there/);
    }
    assert.deepEqual(await memberNames(eng.id), ['ben', 'dan']);
    assert.equal((await groups()).get('eng')!.parent_id, g.get('staff')!.id);
  });

  it('a renamed directory group renames the same Gatehouse group', async () => {
    const before = (await groups()).get('eng')!;
    const renamed = `cn=engineering,${groupsOu}`;
    await t.moveTo(dn.eng!, 'cn=engineering');
    dn.eng = renamed;
    const r = await sync();
    assert.equal(r.groups.renamed, 1);
    assert.equal(r.groups.created, 0);
    assert.equal(r.groups.removed, 0);
    const after = (await groups()).get('engineering');
    assert.equal(after?.id, before.id);
    assert.equal(after?.parent_id, before.parent_id);
    assert.deepEqual(await memberNames(before.id), ['ben', 'dan']);
  });

  it('members added and removed in the directory are added and removed here', async () => {
    await t.addMember(dn.eng!, dn.eve!);
    await t.removeMember(dn.eng!, dn.ben!);
    const r = await sync();
    assert.equal(r.groups.members_added, 1);
    assert.equal(r.groups.members_removed, 1);
    assert.deepEqual(await memberNames((await groups()).get('engineering')!.id), ['dan', 'eve']);
  });

  it('nesting follows the directory: out of its parent, and into another', async () => {
    await t.removeMember(dn.staff!, dn.eng!);
    let r = await sync();
    assert.equal(r.groups.nesting_changed, 1);
    assert.equal((await groups()).get('engineering')!.parent_id, null);
    // Turned around: staff inside engineering.
    await t.addMember(dn.eng!, dn.staff!);
    r = await sync();
    assert.equal(r.groups.nesting_changed, 1);
    const g = await groups();
    assert.equal(g.get('staff')!.parent_id, g.get('engineering')!.id);
    assert.equal(g.get('engineering')!.parent_id, null);
  });

  it('a loop in the directory nesting is broken and named; the rest is synced', async () => {
    await t.addMember(dn.staff!, dn.eng!);
    const r = await sync();
    assert.equal(r.groups.errors, 1);
    const detail = await s.request(
      'GET',
      `/api/people/v2/directories/${dirId}/runs/${r.id}?action=group_error`,
    );
    assert.match(detail.body.items.data[0].error, /nests these groups in a loop/);
    const g = await groups();
    // engineering comes first by name: it goes to the top level; staff stays inside it.
    assert.equal(g.get('engineering')!.parent_id, null);
    assert.equal(g.get('staff')!.parent_id, g.get('engineering')!.id);
    await t.removeMember(dn.staff!, dn.eng!);
  });

  it('a group in two directory groups sits inside one here, and stays there when a second appears', async () => {
    await addGroup('zeta', [dn.eng!]);
    let r = await sync();
    assert.equal(r.groups.created, 1);
    assert.equal(r.groups.nesting_changed, 1);
    let g = await groups();
    assert.equal(g.get('engineering')!.parent_id, g.get('zeta')!.id);
    // "all" sorts first, but the group is already inside zeta: it stays, and the report says so.
    await addGroup('all', [dn.eng!]);
    r = await sync();
    assert.equal(r.groups.created, 1);
    assert.equal(r.groups.nesting_changed, 0);
    g = await groups();
    assert.equal(g.get('engineering')!.parent_id, g.get('zeta')!.id);
    await t.remove(dn.zeta!);
    r = await sync();
    assert.equal(r.groups.removed, 1);
    assert.equal(r.groups.nesting_changed, 1);
    g = await groups();
    assert.equal(g.get('engineering')!.parent_id, g.get('all')!.id);
    const detail = await s.request(
      'GET',
      `/api/people/v2/directories/${dirId}/runs/${r.id}?action=group_nesting`,
    );
    assert.deepEqual(detail.body.items.data[0].changes.inside, ['zeta', 'all']);
    await t.remove(dn.all!);
    r = await sync();
    assert.equal(r.groups.removed, 1);
    assert.equal((await groups()).get('engineering')!.parent_id, null);
  });

  it('a group name another Gatehouse group has is an error for that group alone', async () => {
    await s.request('POST', '/api/people/v2/groups', { body: { name: 'Sales' } });
    await addGroup('sales', [dn.ann!]);
    await addGroup('ops', [dn.cat!]);
    const r = await sync();
    assert.equal(r.groups.created, 1);
    assert.equal(r.groups.errors, 1);
    const detail = await s.request(
      'GET',
      `/api/people/v2/directories/${dirId}/runs/${r.id}?action=group_error`,
    );
    assert.match(detail.body.items.data[0].error, /already named "sales"/);
    const g = await groups();
    assert.equal(g.get('Sales')!.directory_id, null);
    assert.deepEqual(await memberNames(g.get('ops')!.id), ['cat']);
    await t.remove(dn.sales!);
  });

  it('a group gone from the directory is removed; its people stay', async () => {
    const ops = (await groups()).get('ops')!;
    await t.remove(dn.ops!);
    const r = await sync();
    assert.equal(r.groups.removed, 1);
    assert.equal((await s.request('GET', `/api/people/v2/groups/${ops.id}`)).status, 404);
    assert.equal(r.counts.blocked, 0);
    const cat = (await s.request('GET', '/api/people/v2/users?q=cat')).body.data[0];
    assert.equal(cat.state, 'active');
  });

  it('a failed or empty group read changes no group and leaves the users synced', async () => {
    const before = await groups();
    await t.addUser(
      { uid: 'fay', givenName: 'Fay', sn: 'New', mail: 'fay@example.test' },
      'people',
    );
    let r = await s.request('PATCH', `/api/people/v2/directories/${dirId}`, {
      body: { group_base_dn: `ou=missing,${t.baseDn}` },
    });
    assert.equal(r.status, 200, r.text);
    let run = await sync();
    assert.equal(run.counts.created, 1);
    assert.match(run.group_error, /groups could not be read, so no group was changed/);
    assert.deepEqual(await groups(), before);
    r = await s.request('PATCH', `/api/people/v2/directories/${dirId}`, {
      body: { group_base_dn: groupsOu, group_filter: '(cn=nothing-matches)' },
    });
    assert.equal(r.status, 200, r.text);
    run = await sync();
    assert.match(run.group_error, /answered no groups at all, so no group was removed/);
    assert.equal(run.groups.removed, 0);
    assert.deepEqual(await groups(), before);
    const listed = await s.request('GET', `/api/people/v2/directories/${dirId}/runs?limit=1`);
    assert.equal(listed.body.data[0].group_error, run.group_error);
  });
});
