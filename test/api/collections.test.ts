/** People API v2: /groups, /roles and /extranets — CRUD, membership, nesting and their refusals. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';

const API = '/api/people/v2';

describe('People API v2: groups, roles, extranet areas', () => {
  let s: TestServer;
  const people: number[] = [];
  before(async () => {
    s = await startTestServer();
    for (let i = 0; i < 4; i++) {
      const p = await s.app.core.people.create(SYSTEM_ACTOR, {
        username: `m${i}`,
        firstname: 'M',
        surname: String(i),
        email: `m${i}@example.org`,
      });
      people.push(p.id);
    }
  });
  after(() => s.close());

  for (const kind of ['groups', 'roles', 'extranets'] as const) {
    it(`${kind}: create, read, update (PUT and PATCH), list with q, delete`, async () => {
      const c = await s.request('POST', `${API}/${kind}`, {
        body: { name: `${kind} One`, description: 'first' },
      });
      assert.equal(c.status, 201, c.text);
      assert.equal(c.body.name, `${kind} One`);
      assert.equal(c.body.description, 'first');
      const id = c.body.id;
      const g = await s.request('GET', `${API}/${kind}/${id}`);
      assert.equal(g.status, 200);
      assert.deepEqual(g.body, c.body);
      const put = await s.request('PUT', `${API}/${kind}/${id}`, { body: { description: 'd2' } });
      assert.equal(put.status, 200, put.text);
      assert.equal(put.body.description, 'd2');
      assert.equal(put.body.name, `${kind} One`);
      const patch = await s.request('PATCH', `${API}/${kind}/${id}`, {
        body: { name: `${kind} Renamed` },
      });
      assert.equal(patch.body.name, `${kind} Renamed`);
      assert.equal(patch.body.description, 'd2');
      await s.request('POST', `${API}/${kind}`, { body: { name: `${kind} Other` } });
      const list = await s.request('GET', `${API}/${kind}?q=renamed`);
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.data.map((x: { id: number }) => x.id),
        [id],
      );
      assert.equal(list.body.pagination.total, 1);

      // refusals
      const empty = await s.request('POST', `${API}/${kind}`, { body: { name: '  ' } });
      assert.equal(empty.status, 400);
      assert.equal(empty.body.fields[0].field, 'name');
      const comma = await s.request('POST', `${API}/${kind}`, { body: { name: 'a,b' } });
      assert.equal(comma.status, 400);
      const unknownProp = await s.request('POST', `${API}/${kind}`, {
        body: { name: 'x', colour: 'red' },
      });
      assert.equal(unknownProp.status, 400);
      const dup = await s.request('PATCH', `${API}/${kind}/${id}`, {
        body: { name: `${kind.toUpperCase()} other` },
      });
      assert.equal(dup.status, 409, dup.text);
      assert.equal(dup.body.type, 'name_taken');
      if (kind !== 'groups') {
        const parent = await s.request('POST', `${API}/${kind}`, {
          body: { name: 'p', parent_id: id },
        });
        assert.equal(parent.status, 400);
        assert.equal(parent.body.fields[0].field, 'parent_id');
      }
      if (kind !== 'roles') {
        const ex = await s.request('POST', `${API}/${kind}`, {
          body: { name: 'e', extranet_id: 1 },
        });
        assert.equal(ex.status, 400);
        assert.equal(ex.body.fields[0].field, 'extranet_id');
      }

      const del = await s.request('DELETE', `${API}/${kind}/${id}`);
      assert.equal(del.status, 204);
      assert.equal((await s.request('GET', `${API}/${kind}/${id}`)).status, 404);
      assert.equal((await s.request('DELETE', `${API}/${kind}/${id}`)).status, 404);
    });
  }

  for (const kind of ['groups', 'roles', 'extranets'] as const) {
    it(`${kind}: GET|PUT /{id}/users sets exactly the members, all or nothing`, async () => {
      const c = await s.request('POST', `${API}/${kind}`, { body: { name: `${kind} members` } });
      const id = c.body.id;
      const [a, b, d] = people as [number, number, number];
      const put = await s.request('PUT', `${API}/${kind}/${id}/users`, {
        body: { ids: [b, a, a] },
      });
      assert.equal(put.status, 200, put.text);
      assert.deepEqual(put.body.ids, [a, b]);
      assert.deepEqual((await s.request('GET', `${API}/${kind}/${id}/users`)).body.ids, [a, b]);
      const swap = await s.request('PUT', `${API}/${kind}/${id}/users`, { body: { ids: [b, d] } });
      assert.deepEqual(swap.body.ids, [b, d]);
      assert.deepEqual((await s.request('GET', `${API}/${kind}/${id}/users`)).body.ids, [b, d]);
      const unknown = await s.request('PUT', `${API}/${kind}/${id}/users`, {
        body: { ids: [a, 999999] },
      });
      assert.equal(unknown.status, 400, unknown.text);
      assert.equal(unknown.body.type, 'validation_failed');
      assert.match(unknown.body.error, /999999/);
      assert.deepEqual((await s.request('GET', `${API}/${kind}/${id}/users`)).body.ids, [b, d]);
      const bad = await s.request('PUT', `${API}/${kind}/${id}/users`, { body: { ids: 'all' } });
      assert.equal(bad.status, 400);
      const missing = await s.request('PUT', `${API}/${kind}/999999/users`, { body: { ids: [] } });
      assert.equal(missing.status, 404);
      const clear = await s.request('PUT', `${API}/${kind}/${id}/users`, { body: { ids: [] } });
      assert.deepEqual(clear.body.ids, []);
      if (kind === 'extranets') {
        // membership of an extranet area is the person's extranet_id, and changes their version
        await s.request('PUT', `${API}/${kind}/${id}/users`, { body: { ids: [a] } });
        const person = await s.request('GET', `${API}/users/${a}`);
        assert.equal(person.body.extranet_id, id);
        assert.equal(person.headers.get('etag'), `"${a}.${person.body.version}"`);
        await s.request('PUT', `${API}/${kind}/${id}/users`, { body: { ids: [] } });
        const back = await s.request('GET', `${API}/users/${a}`);
        assert.equal(back.body.extranet_id, null);
        assert.ok(back.body.version > person.body.version);
      }
    });
  }

  for (const kind of ['groups', 'roles', 'extranets'] as const) {
    it(`${kind}: PUT|DELETE /{id}/users/{person_id} add and remove one member, leaving the others`, async () => {
      const c = await s.request('POST', `${API}/${kind}`, { body: { name: `${kind} one by one` } });
      const id = c.body.id;
      const [a, b, d] = people as [number, number, number];
      const members = async () =>
        (await s.request('GET', `${API}/${kind}/${id}/users`)).body.ids as number[];
      await s.request('PUT', `${API}/${kind}/${id}/users`, { body: { ids: [a] } });
      const add = await s.request('PUT', `${API}/${kind}/${id}/users/${b}`);
      assert.equal(add.status, 204, add.text);
      assert.deepEqual(await members(), [a, b]);
      // again: nothing changes, nothing is audited
      const auditBefore = (
        await s.request('GET', `${API}/audit?target_id=${id}&target_type=${kind.slice(0, -1)}`)
      ).body.pagination.total;
      assert.equal((await s.request('PUT', `${API}/${kind}/${id}/users/${b}`)).status, 204);
      assert.equal((await s.request('DELETE', `${API}/${kind}/${id}/users/${d}`)).status, 204);
      const auditAfter = (
        await s.request('GET', `${API}/audit?target_id=${id}&target_type=${kind.slice(0, -1)}`)
      ).body.pagination.total;
      assert.equal(auditAfter, auditBefore);
      const remove = await s.request('DELETE', `${API}/${kind}/${id}/users/${a}`);
      assert.equal(remove.status, 204, remove.text);
      assert.deepEqual(await members(), [b]);
      const unknownPerson = await s.request('PUT', `${API}/${kind}/${id}/users/999999`);
      assert.equal(unknownPerson.status, 400);
      assert.match(unknownPerson.body.error, /999999/);
      assert.equal((await s.request('PUT', `${API}/${kind}/999999/users/${a}`)).status, 404);
      assert.equal((await s.request('PUT', `${API}/${kind}/${id}/users/zero`)).status, 400);
      assert.deepEqual(await members(), [b]);
      await s.request('PUT', `${API}/${kind}/${id}/users`, { body: { ids: [] } });
    });
  }

  it('members added one by one at the same time are all kept (no lost update)', async () => {
    const g = await s.request('POST', `${API}/groups`, { body: { name: 'Busy group' } });
    const extra: number[] = [];
    for (let i = 0; i < 12; i++) {
      const p = await s.app.core.people.create(SYSTEM_ACTOR, {
        username: `busy${i}`,
        firstname: 'B',
        surname: String(i),
        email: `busy${i}@example.org`,
      });
      extra.push(p.id);
    }
    const answers = await Promise.all(
      [...extra, ...extra].map((p) => s.request('PUT', `${API}/groups/${g.body.id}/users/${p}`)),
    );
    assert.deepEqual(
      answers.map((r) => r.status),
      answers.map(() => 204),
    );
    const ids = (await s.request('GET', `${API}/groups/${g.body.id}/users`)).body.ids;
    assert.deepEqual(
      ids,
      [...extra].sort((x, y) => x - y),
    );
    const audit = await s.request(
      'GET',
      `${API}/audit?target_type=group&target_id=${g.body.id}&action=group.add_member&limit=100`,
    );
    assert.equal(audit.body.pagination.total, 12, 'one event per person added, none for repeats');
  });

  it('groups nest; a parent that would make a loop is 409 group_cycle', async () => {
    const top = await s.request('POST', `${API}/groups`, { body: { name: 'Top' } });
    const mid = await s.request('POST', `${API}/groups`, {
      body: { name: 'Mid', parent_id: top.body.id },
    });
    assert.equal(mid.status, 201);
    assert.equal(mid.body.parent_id, top.body.id);
    const low = await s.request('POST', `${API}/groups`, {
      body: { name: 'Low', parent_id: mid.body.id },
    });
    for (const [child, parent] of [
      [top.body.id, low.body.id],
      [top.body.id, mid.body.id],
      [top.body.id, top.body.id],
    ]) {
      const r = await s.request('PATCH', `${API}/groups/${child}`, { body: { parent_id: parent } });
      assert.equal(r.status, 409, r.text);
      assert.equal(r.body.type, 'group_cycle');
    }
    assert.equal((await s.request('GET', `${API}/groups/${top.body.id}`)).body.parent_id, null);
    const unknownParent = await s.request('POST', `${API}/groups`, {
      body: { name: 'Orphan', parent_id: 999999 },
    });
    assert.equal(unknownParent.status, 400);
    assert.equal(unknownParent.body.fields[0].field, 'parent_id');
    // moving a subtree elsewhere is fine; deleting a parent leaves its children at the top
    const moved = await s.request('PATCH', `${API}/groups/${low.body.id}`, {
      body: { parent_id: top.body.id },
    });
    assert.equal(moved.body.parent_id, top.body.id);
    assert.equal((await s.request('DELETE', `${API}/groups/${top.body.id}`)).status, 204);
    assert.equal((await s.request('GET', `${API}/groups/${mid.body.id}`)).body.parent_id, null);
    assert.equal((await s.request('GET', `${API}/groups/${low.body.id}`)).body.parent_id, null);
  });

  it('roles carry an extranet area; an area in use by a person or a role is 409 in_use', async () => {
    const area = await s.request('POST', `${API}/extranets`, { body: { name: 'Suppliers' } });
    const role = await s.request('POST', `${API}/roles`, {
      body: { name: 'Supplier contact', extranet_id: area.body.id },
    });
    assert.equal(role.status, 201, role.text);
    assert.equal(role.body.extranet_id, area.body.id);
    const badArea = await s.request('POST', `${API}/roles`, {
      body: { name: 'Nowhere', extranet_id: 999999 },
    });
    assert.equal(badArea.status, 400);
    const inUseByRole = await s.request('DELETE', `${API}/extranets/${area.body.id}`);
    assert.equal(inUseByRole.status, 409);
    assert.equal(inUseByRole.body.type, 'in_use');
    await s.request('PATCH', `${API}/roles/${role.body.id}`, { body: { extranet_id: null } });
    await s.request('PATCH', `${API}/users/${people[3]}`, { body: { extranet_id: area.body.id } });
    const inUseByPerson = await s.request('DELETE', `${API}/extranets/${area.body.id}`);
    assert.equal(inUseByPerson.status, 409);
    assert.equal(inUseByPerson.body.type, 'in_use');
    await s.request('PATCH', `${API}/users/${people[3]}`, { body: { extranet_id: null } });
    assert.equal((await s.request('DELETE', `${API}/extranets/${area.body.id}`)).status, 204);
  });

  it('deleting a group or a person removes the memberships', async () => {
    const g = await s.request('POST', `${API}/groups`, { body: { name: 'Temp' } });
    const p = await s.request('POST', `${API}/users`, {
      body: { username: 'leaver', firstname: 'L', surname: 'V', email: 'leaver@example.org' },
    });
    await s.request('PUT', `${API}/groups/${g.body.id}/users`, {
      body: { ids: [p.body.id, people[0]] },
    });
    await s.request('DELETE', `${API}/users/${p.body.id}`);
    assert.deepEqual((await s.request('GET', `${API}/groups/${g.body.id}/users`)).body.ids, [
      people[0],
    ]);
    await s.request('DELETE', `${API}/groups/${g.body.id}`);
    const groups = await s.request('GET', `${API}/users/${people[0]}/groups`);
    assert.ok(!groups.body.data.some((x: { id: number }) => x.id === g.body.id));
  });

  it('every collection write is in the audit log with its changes', async () => {
    const g = await s.request('POST', `${API}/groups`, { body: { name: 'Audited' } });
    await s.request('PATCH', `${API}/groups/${g.body.id}`, { body: { description: 'now' } });
    await s.request('PUT', `${API}/groups/${g.body.id}/users`, { body: { ids: [people[1]] } });
    await s.request('DELETE', `${API}/groups/${g.body.id}`);
    const r = await s.request(
      'GET',
      `${API}/audit?target_type=group&target_id=${g.body.id}&limit=10`,
    );
    const actions = r.body.data.map((e: { action: string }) => e.action).reverse();
    assert.deepEqual(actions, [
      'group.create',
      'group.update',
      'group.set_members',
      'group.delete',
    ]);
    const update = r.body.data.find((e: { action: string }) => e.action === 'group.update');
    assert.deepEqual(update.changes.description, ['', 'now']);
    assert.equal(update.actor_id, s.adminId);
    assert.equal(update.gate, 'api');
    const members = r.body.data.find((e: { action: string }) => e.action === 'group.set_members');
    assert.deepEqual(members.changes.added, [null, [people[1]]]);
  });
});
