/**
 * People API v2 beyond the original product: profile fields (and typed profile values),
 * API keys, the audit log and its export, the password policy.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Papa from 'papaparse';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';

const API = '/api/people/v2';

// A hang here once meant a deadlock on SQLite; fail instead of waiting forever.
describe('People API v2: profile fields', { timeout: 60_000 }, () => {
  let s: TestServer;
  let personId: number;
  let otherId: number;
  before(async () => {
    s = await startTestServer();
    personId = (
      await s.app.core.people.create(SYSTEM_ACTOR, {
        username: 'pf',
        firstname: 'P',
        surname: 'F',
        email: 'pf@example.org',
      })
    ).id;
    otherId = (
      await s.app.core.people.create(SYSTEM_ACTOR, {
        username: 'pf2',
        firstname: 'P',
        surname: 'F2',
        email: 'pf2@example.org',
      })
    ).id;
  });
  after(() => s.close());

  it('defines, lists, reads, changes and deletes a field', async () => {
    const c = await s.request('POST', `${API}/profile-fields`, {
      body: { name: 'shoe_size', label: 'Shoe size', type: 'integer' },
    });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.required, false);
    assert.deepEqual(c.body.options, []);
    const list = await s.request('GET', `${API}/profile-fields`);
    assert.ok(list.body.data.some((f: { name: string }) => f.name === 'shoe_size'));
    const one = await s.request('GET', `${API}/profile-fields/${c.body.id}`);
    assert.equal(one.body.label, 'Shoe size');
    const patch = await s.request('PATCH', `${API}/profile-fields/${c.body.id}`, {
      body: { label: 'Shoe size (EU)', required: true },
    });
    assert.equal(patch.status, 200);
    assert.equal(patch.body.label, 'Shoe size (EU)');
    assert.equal(patch.body.required, true);
    const typeChange = await s.request('PATCH', `${API}/profile-fields/${c.body.id}`, {
      body: { type: 'string' },
    });
    assert.equal(typeChange.status, 400);
    const del = await s.request('DELETE', `${API}/profile-fields/${c.body.id}`);
    assert.equal(del.status, 204);
    assert.equal((await s.request('GET', `${API}/profile-fields/${c.body.id}`)).status, 404);
    assert.equal((await s.request('DELETE', `${API}/profile-fields/${c.body.id}`)).status, 404);
  });

  it('takes a user-select value right after the field is defined (regression: SQLite deadlock)', async () => {
    const f = await s.request('POST', `${API}/profile-fields`, {
      body: { name: 'buddy', label: 'Buddy', type: 'user' },
    });
    assert.equal(f.status, 201);
    const r = await s.request('PATCH', `${API}/users/${personId}`, {
      body: { profile: { buddy: otherId } },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.profile.buddy, otherId);
    const after = await s.request('GET', `${API}/users/${otherId}`);
    assert.equal(after.status, 200, 'the server still answers');
    await s.request('PATCH', `${API}/users/${personId}`, { body: { profile: { buddy: null } } });
    await s.request('DELETE', `${API}/profile-fields/${f.body.id}`);
  });

  it('refuses bad definitions', async () => {
    for (const [body, field] of [
      [{ name: 'Bad Name', label: 'x', type: 'string' }, 'name'],
      [{ name: 'email', label: 'x', type: 'string' }, 'name'],
      [{ name: 'ok_name', label: '', type: 'string' }, 'label'],
      [{ name: 'ok_name', label: 'x', type: 'colour' }, 'type'],
      [{ name: 'ok_name', label: 'x', type: 'select' }, 'options'],
      [{ name: 'ok_name', label: 'x', type: 'select', options: ['a,b'] }, 'options'],
      [{ name: 'ok_name', label: 'x', type: 'string', extra: 1 }, 'extra'],
    ] as const) {
      const r = await s.request('POST', `${API}/profile-fields`, { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(
        r.body.fields.some((f: { field: string }) => f.field === field),
        `${JSON.stringify(body)} → ${JSON.stringify(r.body.fields)}`,
      );
    }
    await s.request('POST', `${API}/profile-fields`, {
      body: { name: 'twice', label: 'Twice', type: 'string' },
    });
    const dup = await s.request('POST', `${API}/profile-fields`, {
      body: { name: 'twice', label: 'Again', type: 'text' },
    });
    assert.equal(dup.status, 409, dup.text);
  });

  it('validates person.profile values by the type of each field', async () => {
    const defs: [string, string, string[]?][] = [
      ['f_string', 'string'],
      ['f_text', 'text'],
      ['f_integer', 'integer'],
      ['f_checkbox', 'checkbox'],
      ['f_datetime', 'datetime'],
      ['f_date', 'date'],
      ['f_date_no_year', 'date_no_year'],
      ['f_select', 'select', ['Red', 'Green']],
      ['f_multiselect', 'multiselect', ['A', 'B', 'C']],
      ['f_hyperlink', 'hyperlink'],
      ['f_user', 'user'],
      ['f_address', 'address'],
    ];
    for (const [name, type, options] of defs) {
      const r = await s.request('POST', `${API}/profile-fields`, {
        body: { name, label: name, type, ...(options ? { options } : {}) },
      });
      assert.equal(r.status, 201, r.text);
    }
    const good: Record<string, unknown> = {
      f_string: 'plain',
      f_text: 'long '.repeat(200),
      f_integer: -42,
      f_checkbox: false,
      f_datetime: '2026-01-31T09:30:00+01:00',
      f_date: '2024-02-29',
      f_date_no_year: '02-29',
      f_select: 'Green',
      f_multiselect: ['C', 'A', 'C'],
      f_hyperlink: 'https://example.org/me?x=1',
      f_user: otherId,
      f_address: '1 High Street\nTown',
    };
    const ok = await s.request('PATCH', `${API}/users/${personId}`, { body: { profile: good } });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body.profile, {
      ...good,
      f_datetime: '2026-01-31T08:30:00.000Z',
      f_multiselect: ['C', 'A'],
    });

    const bad: Record<string, unknown> = {
      f_string: 'x'.repeat(256),
      f_text: 12,
      f_integer: 4.5,
      f_checkbox: 'yes',
      f_datetime: '2026-01-31',
      f_date: '2023-02-29',
      f_date_no_year: '13-01',
      f_select: 'Blue',
      f_multiselect: 'A',
      f_hyperlink: 'javascript:alert(1)',
      f_user: '5',
      f_address: ['a'],
      nope: 'x',
    };
    const r = await s.request('PATCH', `${API}/users/${personId}`, { body: { profile: bad } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.type, 'validation_failed');
    assert.deepEqual(
      r.body.fields.map((f: { field: string }) => f.field).sort(),
      Object.keys(bad)
        .map((k) => `profile.${k}`)
        .sort(),
    );
    // one at a time too, and nothing is changed by a refused request
    for (const [k, v] of Object.entries(bad)) {
      const one = await s.request('PATCH', `${API}/users/${personId}`, {
        body: { profile: { f_string: 'changed', [k]: v } },
      });
      assert.equal(one.status, 400, `${k}: ${one.text}`);
      assert.deepEqual(
        one.body.fields.map((f: { field: string }) => f.field),
        [`profile.${k}`],
      );
    }
    const unknownUser = await s.request('PATCH', `${API}/users/${personId}`, {
      body: { profile: { f_user: 999999 } },
    });
    assert.equal(unknownUser.status, 400);
    assert.equal(unknownUser.body.fields[0].field, 'profile.f_user');
    const bad2 = await s.request('PATCH', `${API}/users/${personId}`, {
      body: { profile: { f_multiselect: ['Z'] } },
    });
    assert.equal(bad2.status, 400);
    const after = await s.request('GET', `${API}/users/${personId}`);
    assert.deepEqual(after.body.profile, ok.body.profile);

    // null clears a value; other values are kept
    const cleared = await s.request('PATCH', `${API}/users/${personId}`, {
      body: { profile: { f_string: null } },
    });
    assert.equal(cleared.body.profile.f_string, undefined);
    assert.equal(cleared.body.profile.f_integer, -42);
    // a required field cannot be cleared
    const req = await s.request('POST', `${API}/profile-fields`, {
      body: { name: 'f_required', label: 'Badge', type: 'string', required: true },
    });
    assert.equal(req.status, 201);
    await s.request('PATCH', `${API}/users/${personId}`, {
      body: { profile: { f_required: 'B-1' } },
    });
    const clearRequired = await s.request('PATCH', `${API}/users/${personId}`, {
      body: { profile: { f_required: null } },
    });
    assert.equal(clearRequired.status, 400);
    assert.equal(clearRequired.body.fields[0].field, 'profile.f_required');
    // the same checks on create
    const created = await s.request('POST', `${API}/users`, {
      body: {
        username: 'withprofile',
        firstname: 'W',
        surname: 'P',
        email: 'wp@example.org',
        profile: { f_integer: 'ten' },
      },
    });
    assert.equal(created.status, 400);
    assert.equal(created.body.fields[0].field, 'profile.f_integer');
  });
});

describe('People API v2: API keys', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('shows a new key once; lists never show it; revoking stops it at once', async () => {
    const c = await s.request('POST', `${API}/api-keys`, { body: { name: 'ci' } });
    assert.equal(c.status, 201, c.text);
    assert.match(c.body.key, /^ghk_/);
    assert.equal(c.body.owner_id, s.adminId);
    assert.ok(c.body.key.startsWith(c.body.prefix));
    assert.equal(c.headers.get('cache-control'), 'no-store');
    const key = c.body.key as string;
    const me = await s.request('GET', `${API}/user`, { key });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, s.adminId);
    const list = await s.request('GET', `${API}/api-keys?limit=200`);
    assert.equal(list.status, 200);
    assert.ok(!list.text.includes(key), 'the key is not listed');
    assert.ok(!list.text.includes(key.slice(12)), 'not even most of it');
    assert.ok(list.body.data.every((k: Record<string, unknown>) => !('key' in k)));
    assert.ok(list.body.data.every((k: Record<string, unknown>) => !('key_hash' in k)));
    const mine = list.body.data.find((k: { id: number }) => k.id === c.body.id);
    assert.equal(mine.revoked_at, null);
    assert.notEqual(mine.last_used_at, null);
    const audit = await s.request('GET', `${API}/audit?target_type=api_key&limit=200`);
    assert.ok(!audit.text.includes(key), 'the audit log does not hold the key');
    const revoke = await s.request('DELETE', `${API}/api-keys/${c.body.id}`);
    assert.equal(revoke.status, 200);
    assert.notEqual(revoke.body.revoked_at, null);
    const after = await s.request('GET', `${API}/user`, { key });
    assert.equal(after.status, 401);
    assert.equal(after.body.type, 'unauthenticated');
  });

  it('an expired key is rejected; a past expiry cannot be set', async () => {
    const past = await s.request('POST', `${API}/api-keys`, {
      body: { name: 'old', expires_at: '2000-01-01T00:00:00Z' },
    });
    assert.equal(past.status, 400);
    assert.equal(past.body.fields[0].field, 'expires_at');
    const notDate = await s.request('POST', `${API}/api-keys`, {
      body: { name: 'old', expires_at: 'tomorrow' },
    });
    assert.equal(notDate.status, 400);
    const c = await s.request('POST', `${API}/api-keys`, {
      body: { name: 'short-lived', expires_at: new Date(Date.now() + 3_600_000).toISOString() },
    });
    assert.equal(c.status, 201);
    assert.equal((await s.request('GET', `${API}/user`, { key: c.body.key })).status, 200);
    // time passes
    await s.app.store.db
      .updateTable('api_keys')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', c.body.id)
      .execute();
    const r = await s.request('GET', `${API}/user`, { key: c.body.key });
    assert.equal(r.status, 401);
  });

  it("only a sysadmin makes keys for others, sees all keys, and revokes others' keys", async () => {
    const plain = await s.makeUser('plainkeys');
    const padmin = await s.makeUser('padminkeys', ['people_admin']);
    const own = await s.request('POST', `${API}/api-keys`, {
      key: plain.key,
      body: { name: 'mine' },
    });
    assert.equal(own.status, 201, 'anyone may make their own key');
    for (const key of [plain.key, padmin.key]) {
      const r = await s.request('POST', `${API}/api-keys`, {
        key,
        body: { name: 'theirs', owner_id: s.adminId },
      });
      assert.equal(r.status, 403, r.text);
      assert.equal(r.body.type, 'forbidden');
    }
    const forPlain = await s.request('POST', `${API}/api-keys`, {
      body: { name: 'for plain', owner_id: plain.id },
    });
    assert.equal(forPlain.status, 201);
    assert.equal(forPlain.body.owner_id, plain.id);
    const asPlain = await s.request('GET', `${API}/user`, { key: forPlain.body.key });
    assert.equal(asPlain.body.id, plain.id);
    const unknownOwner = await s.request('POST', `${API}/api-keys`, {
      body: { name: 'ghost', owner_id: 999999 },
    });
    assert.equal(unknownOwner.status, 404);

    const plainList = await s.request('GET', `${API}/api-keys?all=true&limit=200`, {
      key: plain.key,
    });
    assert.ok(plainList.body.data.every((k: { owner_id: number }) => k.owner_id === plain.id));
    const all = await s.request('GET', `${API}/api-keys?all=true&limit=200`);
    const owners = new Set(all.body.data.map((k: { owner_id: number }) => k.owner_id));
    assert.ok(owners.has(plain.id) && owners.has(s.adminId) && owners.has(padmin.id));

    const adminKeys = await s.request('GET', `${API}/api-keys`);
    const adminKeyId = adminKeys.body.data[0].id;
    const steal = await s.request('DELETE', `${API}/api-keys/${adminKeyId}`, { key: plain.key });
    assert.equal(steal.status, 404, "another person's key is not even shown to exist");
    assert.equal((await s.request('GET', `${API}/user`)).status, 200);
    const bySysadmin = await s.request('DELETE', `${API}/api-keys/${own.body.id}`);
    assert.equal(bySysadmin.status, 200);
    assert.equal((await s.request('GET', `${API}/user`, { key: own.body.key })).status, 401);
    const emptyName = await s.request('POST', `${API}/api-keys`, { body: { name: '   ' } });
    assert.equal(emptyName.status, 400);
  });
});

describe('People API v2: audit log and password policy', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  it('every write is audited with actor, gate, action, changes and the request id', async () => {
    let n = 0;
    const writes: { rid: string; action: string }[] = [];
    const write = async (method: string, path: string, body: unknown, action: string) => {
      const rid = `w-${++n}`;
      const r = await s.request(method, `${API}${path}`, {
        body,
        headers: { 'x-request-id': rid },
      });
      assert.ok(r.status < 300, `${method} ${path}: ${r.text}`);
      writes.push({ rid, action });
      return r.body;
    };
    const a = await write(
      'POST',
      '/users',
      {
        username: 'aud1',
        firstname: 'A',
        surname: 'U',
        email: 'aud1@example.org',
        password: 'first-password-1',
      },
      'person.create',
    );
    const b = await write(
      'POST',
      '/users',
      { username: 'aud2', firstname: 'B', surname: 'U', email: 'aud2@example.org' },
      'person.create',
    );
    await write('PATCH', `/users/${a.id}`, { job_title: 'Boss' }, 'person.update');
    await write('PUT', `/users/${a.id}`, { office: 'HQ' }, 'person.update');
    await write(
      'PUT',
      `/users/${a.id}/password`,
      { password: 'second-password-2' },
      'person.set_password',
    );
    await write('PUT', `/users/${b.id}/manager`, { manager_id: a.id }, 'person.set_manager');
    await write('PUT', `/users/${a.id}/subordinates`, { ids: [] }, 'person.set_manager');
    await write('POST', `/users/${b.id}/block`, { reason: 'test' }, 'person.block');
    await write('POST', `/users/${b.id}/unblock`, {}, 'person.unblock');
    await s.app.store.db
      .updateTable('people')
      .set({ state: 'frozen', frozen_until: new Date(Date.now() + 60_000).toISOString() })
      .where('id', '=', b.id)
      .execute();
    await write('POST', `/users/${b.id}/unfreeze`, {}, 'person.unfreeze');
    await write('PUT', `/users/${b.id}/grants`, { login_handler_admin: true }, 'grant.add');
    const g = await write('POST', '/groups', { name: 'AuditGroup' }, 'group.create');
    await write('PUT', `/groups/${g.id}/users`, { ids: [a.id] }, 'group.set_members');
    const r = await write('POST', '/roles', { name: 'AuditRole' }, 'role.create');
    await write('PATCH', `/roles/${r.id}`, { description: 'x' }, 'role.update');
    const e = await write('POST', '/extranets', { name: 'AuditArea' }, 'extranet.create');
    await write('DELETE', `/extranets/${e.id}`, undefined, 'extranet.delete');
    const f = await write(
      'POST',
      '/profile-fields',
      { name: 'aud', label: 'Aud', type: 'string' },
      'profile_field.create',
    );
    await write('PATCH', `/profile-fields/${f.id}`, { label: 'Aud 2' }, 'profile_field.update');
    await write('DELETE', `/profile-fields/${f.id}`, undefined, 'profile_field.delete');
    const k = await write('POST', '/api-keys', { name: 'audkey' }, 'api_key.create');
    await write('DELETE', `/api-keys/${k.id}`, undefined, 'api_key.revoke');
    await write(
      'PATCH',
      '/settings/password-policy',
      { lockoutMinutes: 20 },
      'settings.password_policy',
    );
    await write('DELETE', `/users/${b.id}`, undefined, 'person.delete');

    const all = await s.request('GET', `${API}/audit?limit=200&actor_id=${s.adminId}`);
    assert.equal(all.status, 200);
    for (const w of writes) {
      const events = all.body.data.filter((ev: { request_id: string }) => ev.request_id === w.rid);
      assert.ok(events.length >= 1, `no audit event for ${w.rid} (${w.action})`);
      const ev = events.find((x: { action: string }) => x.action === w.action) ?? events[0];
      assert.equal(ev.action, w.action, w.rid);
      assert.equal(ev.actor_id, s.adminId);
      assert.equal(ev.actor, 'admin');
      assert.equal(ev.gate, 'api');
      assert.equal(ev.outcome, 'success');
      assert.equal(ev.ip, '127.0.0.1');
    }
    const update = all.body.data.find((ev: { request_id: string }) => ev.request_id === 'w-3');
    assert.deepEqual(update.changes, { job_title: ['', 'Boss'] });
    const pw = all.body.data.find((ev: { request_id: string }) => ev.request_id === 'w-5');
    assert.deepEqual(pw.changes.password, ['[redacted]', '[redacted]']);
    const created = all.body.data.find((ev: { request_id: string }) => ev.request_id === 'w-1');
    assert.deepEqual(created.changes.password, ['[redacted]', '[redacted]']);
    assert.equal(created.changes.username[1], 'aud1');
    const text = all.text + (await s.request('GET', `${API}/audit/export`)).text;
    assert.ok(!text.includes('$argon2'), 'no password hash anywhere in the audit log');
    assert.ok(!text.includes('second-password-2') && !text.includes('first-password-1'));
    assert.ok(!text.includes(k.key));
  });

  it('filters by target_type, target_id, actor_id, gate, action, outcome, from and to', async () => {
    const p = await s.request('POST', `${API}/users`, {
      body: { username: 'filt', firstname: 'F', surname: 'T', email: 'filt@example.org' },
    });
    await s.request('PATCH', `${API}/users/${p.body.id}`, { body: { job_title: 'x' } });
    await s.request('PATCH', `${API}/users/${p.body.id}`, { body: { job_title: 'y' } });
    const helper = await s.makeUser('filterhelper', ['people_admin']);
    await s.request('PATCH', `${API}/users/${p.body.id}`, {
      key: helper.key,
      body: { job_title: 'z' },
    });
    const get = async (q: string) => {
      const r = await s.request('GET', `${API}/audit?limit=200&${q}`);
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      return r.body.data as {
        id: number;
        at: string;
        action: string;
        actor_id: number;
        gate: string;
        target_type: string;
        target_id: string;
      }[];
    };
    const mine = await get(`target_type=person&target_id=${p.body.id}`);
    assert.deepEqual(
      mine.map((e) => e.action),
      ['person.update', 'person.update', 'person.update', 'person.create'],
    );
    assert.ok(mine[0]!.id > mine[1]!.id, 'newest first');
    const byHelper = await get(`actor_id=${helper.id}`);
    assert.deepEqual(
      byHelper.map((e) => e.action),
      ['person.update'],
    );
    assert.ok((await get('gate=system')).every((e) => e.gate === 'system'));
    assert.ok((await get('gate=system')).length > 0);
    assert.deepEqual(await get('gate=scim'), []);
    const creates = await get('action=person.create');
    assert.ok(creates.every((e) => e.action === 'person.create'));
    assert.ok(creates.some((e) => e.target_id === String(p.body.id)));
    assert.deepEqual(await get('outcome=failure'), []);
    // from is inclusive, to exclusive
    const second = mine[2]!; // the first update
    const from = await get(`target_id=${p.body.id}&from=${encodeURIComponent(second.at)}`);
    assert.ok(from.every((e) => e.at >= second.at));
    assert.ok(!from.some((e) => e.action === 'person.create' && e.at < second.at));
    const to = await get(`target_id=${p.body.id}&to=${encodeURIComponent(second.at)}`);
    assert.ok(to.every((e) => e.at < second.at));
    const far = await get('from=2999-01-01T00:00:00Z');
    assert.deepEqual(far, []);
    for (const bad of ['from=yesterday', 'actor_id=x', 'outcome=maybe', 'colour=red']) {
      const r = await s.request('GET', `${API}/audit?${bad}`);
      assert.equal(r.status, 400, bad);
    }
  });

  it('the CSV export has a header, the filters, and is safe to open in a spreadsheet', async () => {
    await s.request('POST', `${API}/groups`, { body: { name: '=HYPERLINK("http://evil")' } });
    await s.request('POST', `${API}/groups`, { body: { name: '@SUM(A1)' } });
    const r = await s.request('GET', `${API}/audit/export?target_type=group&action=group.create`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(r.headers.get('content-disposition') ?? '', /attachment/);
    const raw = await fetch(`${s.url}${API}/audit/export?target_type=group`, {
      headers: { authorization: `Bearer ${s.adminKey}` },
    });
    const bytes = Buffer.from(await raw.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for spreadsheets');
    const rows = Papa.parse<string[]>(r.text.replace(/^\ufeff/, ''), { skipEmptyLines: true }).data;
    assert.deepEqual(rows[0]!.slice(0, 6), ['id', 'at', 'actor_id', 'actor', 'gate', 'action']);
    const data = rows.slice(1);
    assert.ok(data.length >= 2);
    assert.ok(data.every((row) => row[5] === 'group.create'));
    const targets = data.map((row) => row[8]);
    assert.ok(targets.includes(`'=HYPERLINK("http://evil")`), JSON.stringify(targets));
    assert.ok(targets.includes(`'@SUM(A1)`));
    for (const row of data) for (const cell of row) assert.doesNotMatch(cell, /^[=+\-@\t\r]/);
    const denied = await s.request('GET', `${API}/audit/export`, {
      key: (await s.makeUser('noexport')).key,
    });
    assert.equal(denied.status, 403);
  });

  it('password policy: admins read it, only a sysadmin changes it, values are checked, it applies', async () => {
    const padmin = await s.makeUser('policyreader', ['people_admin']);
    const lh = await s.makeUser('lhadmin', ['login_handler_admin']);
    const plain = await s.makeUser('policyplain');
    for (const key of [s.adminKey, padmin.key, lh.key]) {
      const r = await s.request('GET', `${API}/settings/password-policy`, { key });
      assert.equal(r.status, 200);
      assert.equal(typeof r.body.minLength, 'number');
    }
    const denied = await s.request('GET', `${API}/settings/password-policy`, { key: plain.key });
    assert.equal(denied.status, 403);
    const notSys = await s.request('PATCH', `${API}/settings/password-policy`, {
      key: padmin.key,
      body: { minLength: 12 },
    });
    assert.equal(notSys.status, 403);
    for (const body of [
      { minLength: 7 },
      { minLength: 200 },
      { attemptsAllowed: 0 },
      { lockoutMinutes: '5' },
      { maxAgeDays: -1 },
      { requireStrong: 'yes' },
      { colour: 'red' },
    ]) {
      const r = await s.request('PATCH', `${API}/settings/password-policy`, { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.type, 'validation_failed');
    }
    const before = (await s.request('GET', `${API}/settings/password-policy`)).body;
    const ok = await s.request('PATCH', `${API}/settings/password-policy`, {
      body: { minLength: 14, requireStrong: true },
    });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.body, { ...before, minLength: 14, requireStrong: true });
    const short = await s.request('POST', `${API}/users`, {
      body: {
        username: 'policyuser',
        firstname: 'P',
        surname: 'U',
        email: 'pu@example.org',
        password: 'Abcdefgh1234', // 12 characters
      },
    });
    assert.equal(short.status, 400);
    assert.equal(short.body.fields[0].field, 'password');
    const weak = await s.request('POST', `${API}/users`, {
      body: {
        username: 'policyuser',
        firstname: 'P',
        surname: 'U',
        email: 'pu@example.org',
        password: 'alllowercaseletters',
      },
    });
    assert.equal(weak.status, 400);
    const audit = await s.request('GET', `${API}/audit?action=settings.password_policy&limit=1`);
    assert.deepEqual(audit.body.data[0].changes.minLength, [before.minLength, 14]);
  });
});
