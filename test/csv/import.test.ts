import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { SYSTEM_ACTOR, type Actor } from '../../src/core/context.ts';
import bcryptjs from 'bcryptjs';
import { hashPassword } from '../../src/auth/passwords.ts';

const API = '/api/people/v2';
const admin: Actor = { personId: null, label: 'tester', gate: 'api' };

describe('CSV import over the API', () => {
  let s: TestServer;
  const post = (csv: string | Buffer, query = 'mode=dry_run', headers = {}) =>
    s.request('POST', `${API}/imports?${query}`, {
      raw: csv,
      headers: { 'content-type': 'text/csv', ...headers },
    });
  const exportText = async () => {
    const r = await s.request('GET', `${API}/users/export`);
    assert.equal(r.status, 200);
    return r.text;
  };
  const person = (username: string) => s.app.core.people.findByUsername(username);

  before(async () => {
    s = await startTestServer();
    const core = s.app.core;
    await core.groups.create(admin, { name: 'Sales' });
    await core.groups.create(admin, { name: 'Support' });
    await core.roles.create(admin, { name: 'Editor' });
    await core.extranets.create(admin, { name: 'Partners' });
    await core.profileFields.create(admin, { name: 'notes', label: 'Notes', type: 'text' });
  });
  after(async () => {
    await s.close();
  });

  it('dry run: per row create, update with field changes, unchanged, or error naming row and column', async () => {
    await s.app.core.people.create(admin, {
      username: 'carol',
      firstname: 'Carol',
      surname: 'C',
      email: 'carol@example.org',
    });
    const csv =
      'username,first name,surname,email,groups,account state\n' +
      'dan,Dan,D,dan@example.org,Sales,Yes\n' +
      'carol,Caroline,C,carol@example.org,,Yes\n' +
      'CAROL2,,X,bad-email,Nope,perhaps\n';
    const r = await post(csv);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.summary, { rows: 3, create: 1, update: 1, unchanged: 0, error: 1 });
    const [dan, carol, bad] = r.body.outcomes.data;
    assert.equal(dan.action, 'create');
    assert.equal(carol.action, 'update');
    assert.deepEqual(carol.changes, { 'first name': ['Carol', 'Caroline'] });
    assert.equal(bad.action, 'error');
    assert.equal(bad.row, 4);
    const byColumn = Object.fromEntries(bad.errors.map((e: { column: string }) => [e.column, e]));
    for (const column of ['first name', 'email', 'groups', 'account state'])
      assert.ok(byColumn[column], `error for ${column}: ${JSON.stringify(bad.errors)}`);
    assert.equal(await person('dan'), undefined, 'a dry run writes nothing');
    // The report is a resource, filterable by action.
    const report = await s.request('GET', `${API}/imports/${r.body.id}?action=error`);
    assert.equal(report.status, 200);
    assert.equal(report.body.outcomes.pagination.total, 1);
    assert.equal(report.body.outcomes.data[0].row, 4);
    const list = await s.request('GET', `${API}/imports`);
    assert.ok(list.body.data.some((i: { id: number }) => i.id === r.body.id));
  });

  it('apply is all-or-nothing by default; valid_only applies only the valid rows', async () => {
    const csv =
      'username,firstname,surname,email\n' +
      'erin,Erin,E,erin@example.org\n' +
      'fay,Fay,F,not-an-email\n';
    const all = await post(csv, 'mode=apply');
    assert.equal(all.status, 201);
    assert.equal(all.body.applied, false);
    assert.equal(await person('erin'), undefined);
    const some = await post(csv, 'mode=apply&valid_only=true');
    assert.equal(some.body.applied, true);
    assert.ok(await person('erin'));
    assert.equal(await person('fay'), undefined);
    assert.equal((await person('erin'))?.origin, 'csv');
  });

  it('a username twice in one file refuses both rows', async () => {
    const r = await post(
      'username,firstname,surname,email\ngus,G,U,g1@example.org\nGus ,G,U,g2@example.org\n',
    );
    assert.equal(r.body.summary.error, 2);
    assert.match(r.body.outcomes.data[0].errors[0].message, /also on row 3/);
    assert.equal(r.body.outcomes.data[0].errors[0].column, 'username');
  });

  it('takes a manager by username created in the same file, or by numeric id', async () => {
    const carol = await person('carol');
    const r = await post(
      'username,firstname,surname,email,manager\n' +
        `hal,Hal,H,hal@example.org,ivy\n` +
        `ivy,Ivy,I,ivy@example.org,${carol!.id}\n`,
      'mode=apply',
    );
    assert.equal(r.body.applied, true, JSON.stringify(r.body.outcomes));
    const ivy = await person('ivy');
    assert.equal((await person('hal'))?.manager_id, ivy?.id);
    assert.equal(ivy?.manager_id, carol!.id, 'ivy reports to carol');
    // carol → hal would close a loop (hal → ivy → carol): refused, naming the column.
    const loop = await post('username,manager\ncarol,hal\n');
    assert.equal(loop.body.outcomes.data[0].action, 'error');
    assert.equal(loop.body.outcomes.data[0].errors[0].column, 'manager');
    assert.match(loop.body.outcomes.data[0].errors[0].message, /loop/);
    // A loop made only of new people is refused too, on every row that makes it.
    const fresh = await post(
      'username,firstname,surname,email,manager\n' +
        'x1,X,X,x1@example.org,x2\nx2,X,X,x2@example.org,x1\n',
    );
    assert.equal(fresh.body.summary.error, 2);
  });

  it('export → import of the unchanged file changes nothing (every type, groups, roles, manager, extranet, blocked)', async () => {
    const core = s.app.core;
    const types = [
      ['f_string', 'string', []],
      ['f_text', 'text', []],
      ['f_int', 'integer', []],
      ['f_check', 'checkbox', []],
      ['f_datetime', 'datetime', []],
      ['f_date', 'date', []],
      ['f_noyear', 'date_no_year', []],
      ['f_select', 'select', ['One', 'Two']],
      ['f_multi', 'multiselect', ['Red', 'Blue', 'Green']],
      ['f_link', 'hyperlink', []],
      ['f_user', 'user', []],
      ['f_address', 'address', []],
    ] as const;
    for (const [name, type, options] of types)
      await core.profileFields.create(admin, { name, label: name, type, options: [...options] });
    const boss = await person('carol');
    const partners = (await core.extranets.byNames(['Partners'])).values().next().value!;
    const p = await core.people.create(admin, {
      username: 'jules',
      firstname: '=HYPERLINK("http://evil")',
      surname: "O'Brien",
      email: 'jules@example.org',
      user_code: 'J-1',
      phone: '+44 20 7946 0000',
      office: 'Floor 1, "quoted"',
      manager_id: boss!.id,
      extranet_id: partners.id,
      must_change_password: true,
      profile: {
        f_string: '@cmd',
        f_text: 'multi\nline',
        f_int: -5,
        f_check: true,
        f_datetime: '2026-01-31T09:30:00Z',
        f_date: '2026-01-31',
        f_noyear: '12-25',
        f_select: 'Two',
        f_multi: ['Blue', 'Red'],
        f_link: 'https://example.org/a?b=1',
        f_user: boss!.id,
        f_address: '1 High St\nLondon',
      },
    });
    await core.groups.setMembers(admin, (await core.groups.byNames(['Sales'])).get('sales')!.id, [
      p.id,
    ]);
    await core.roles.setMembers(admin, (await core.roles.byNames(['Editor'])).get('editor')!.id, [
      p.id,
    ]);
    await core.people.block(admin, (await person('dan'))?.id ?? p.id, 'left');

    const raw = await s.request('GET', `${API}/exports/users.csv`);
    const bytes = Buffer.from(
      await (
        await fetch(s.url + `${API}/users/export`, {
          headers: { authorization: `Bearer ${s.adminKey}` },
        })
      ).arrayBuffer(),
    );
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with BOM');
    assert.match(raw.headers.get('content-disposition') ?? '', /attachment/);
    const text = await exportText();
    // No formula injection: risky cells start with an apostrophe.
    assert.ok(text.includes(`"'=HYPERLINK(""http://evil"")"`), text);
    assert.ok(text.includes("'+44 20 7946 0000"));
    assert.ok(text.includes("'@cmd") && text.includes("'-5"));
    // A lone line feed is quoted too: spreadsheets split an unquoted one into two rows.
    assert.ok(text.includes('"multi\nline"') && text.includes('"1 High St\nLondon"'), text);
    const lines = text.split('\r\n');
    assert.ok(lines[0]!.includes('account state') && lines[0]!.includes('f_multi'));
    assert.ok(text.includes(',No,'), 'blocked accounts are exported, as No');

    const version = (await core.people.get(p.id)).version;
    const again = await post(bytes, 'mode=dry_run');
    assert.equal(again.status, 201, again.text);
    assert.equal(
      again.body.summary.unchanged,
      again.body.summary.rows,
      JSON.stringify(
        again.body.outcomes.data.filter((o: { action: string }) => o.action !== 'unchanged'),
      ),
    );
    const applied = await post(bytes, 'mode=apply');
    assert.equal(applied.body.applied, true);
    assert.equal(applied.body.summary.update + applied.body.summary.create, 0);
    assert.equal((await core.people.get(p.id)).version, version, 'no write at all');
  });

  it('refuses changes to directory-owned fields, naming them', async () => {
    const dir = await s.app.core.directories.create(SYSTEM_ACTOR, {
      name: 'Corp LDAP',
      kind: 'ldap',
      owned_fields: ['firstname', 'email'],
    });
    await s.app.core.batch.apply(
      { personId: null, label: 'ldap', gate: 'ldap', directoryId: dir.id },
      [
        {
          row: 1,
          username: 'kim',
          fields: { firstname: 'Kim', surname: 'K', email: 'kim@example.org' },
        },
      ],
    );
    const r = await post(
      'username,firstname,surname,email,job_title\nkim,Kimberly,K,kim@example.org,Boss\n',
    );
    const o = r.body.outcomes.data[0];
    assert.equal(o.action, 'error');
    assert.deepEqual(
      o.errors.map((e: { column: string }) => e.column),
      ['firstname'],
    );
    assert.match(o.errors[0].message, /Corp LDAP/);
    const ok = await post('username,job_title\nkim,Boss\n');
    assert.equal(ok.body.outcomes.data[0].action, 'update', 'unowned fields stay editable');
  });

  it('imports argon2 and bcrypt hashes as they are, hashes plaintext, and leaves a row without password without one', async () => {
    const argon = await hashPassword('argon-pass-1');
    const bcrypt = bcryptjs.hashSync('bcrypt-pass-1', 4);
    const csv =
      'username,firstname,surname,email,password,password_hash\n' +
      `lee,L,E,lee@example.org,,"${argon}"\n` +
      `max,M,A,max@example.org,,${bcrypt}\n` +
      'ned,N,E,ned@example.org,plain-pass-123,\n' +
      'ora,O,R,ora@example.org,,\n';
    const r = await post(csv, 'mode=apply');
    assert.equal(r.body.applied, true, JSON.stringify(r.body.outcomes));
    const stored = await s.app.store.db
      .selectFrom('people')
      .select(['username', 'password_hash'])
      .where('username', 'in', ['lee', 'max', 'ora'])
      .orderBy('username')
      .execute();
    assert.deepEqual(
      stored.map((x) => x.password_hash),
      [argon, bcrypt, null],
    );
    const signIn = (username: string, password: string) =>
      s.request('POST', '/api/session', { body: { username, password }, key: null });
    assert.equal((await signIn('lee', 'argon-pass-1')).status, 200);
    assert.equal((await signIn('max', 'bcrypt-pass-1')).status, 200);
    assert.equal((await signIn('ned', 'plain-pass-123')).status, 200);
    assert.equal((await signIn('ora', '')).status !== 200, true);

    const weak = await post(
      'username,firstname,surname,email,password\npia,P,I,pia@example.org,short\n',
    );
    assert.equal(weak.body.outcomes.data[0].errors[0].column, 'password');
  });

  it('handles UTF-16 from Excel, ; and tab delimiters, quoted newlines and unknown columns', async () => {
    const text =
      'username\tfirstname\tsurname\temail\tnotes\r\nquinn\tQuinn\tQ\tquinn@example.org\t"Floor 1\r\nDesk 2"\r\n';
    const r16 = await post(Buffer.from('\ufeff' + text, 'utf16le'), 'mode=apply');
    assert.equal(r16.body.applied, true, r16.text);
    assert.equal((await person('quinn'))?.profile.notes, 'Floor 1\r\nDesk 2');
    // Plain fields refuse line breaks with a clear error on their column.
    const office = await post('username,office\nquinn,"a\nb"\n');
    assert.equal(office.body.outcomes.data[0].errors[0].column, 'office');
    const semi = await post('username;firstname\r\nquinn;Quin\r\n');
    assert.deepEqual(semi.body.outcomes.data[0].changes, { firstname: ['Quinn', 'Quin'] });
    const unknown = await post('username,shoe_size\nquinn,44\n');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.type, 'import_file_invalid');
    assert.match(unknown.body.error, /Unknown column "shoe_size"/);
    assert.ok(unknown.headers.get('location'), 'the failed run keeps a report');
  });

  it('refuses an empty file, and a file over the size limit, with clear errors', async () => {
    const empty = await post('');
    assert.equal(empty.status, 400);
    assert.match(empty.body.error, /empty/);
    const json = await s.request('POST', `${API}/imports`, { body: { username: 'x' } });
    assert.equal(json.status, 415);
    const small = await startTestServer({ GATEHOUSE_IMPORT_LIMIT_BYTES: '2048' });
    try {
      const big = await small.request('POST', `${API}/imports?mode=apply`, {
        raw: 'username\n' + 'someone\n'.repeat(1000),
        headers: { 'content-type': 'text/csv' },
      });
      assert.equal(big.status, 413);
      assert.equal(big.body.type, 'payload_too_large');
    } finally {
      await small.close();
    }
  });

  it('applies nothing when another change takes a value while the import runs', async () => {
    const before = (await s.request('GET', `${API}/users?limit=1`)).body.pagination.total;
    const rows = Array.from({ length: 50 }, (_, i) => ({
      row: i + 2,
      username: `race${i}`,
      fields: { firstname: 'R', surname: 'R', email: `race${i}@example.org` },
      ...(i === 0 ? { password: 'race-password-1' } : {}),
    }));
    // Hashing runs before the transaction: take the last row's username meanwhile.
    await assert.rejects(
      s.app.core.batch.apply(admin, rows, {
        onProgress: async () => {
          await s.app.core.people.create(admin, {
            username: 'race49',
            firstname: 'X',
            surname: 'Y',
            email: 'other@example.org',
          });
        },
        onWrite: () => undefined,
      }),
      /nothing was applied/,
    );
    const after = (await s.request('GET', `${API}/users?limit=1`)).body.pagination.total;
    assert.equal(after, before + 1, 'only the concurrent account exists');
    assert.equal(await person('race0'), undefined);
  });

  it('runs in the background with progress on request', async () => {
    const r = await post(
      'username,firstname,surname,email\nbg1,B,G,bg1@example.org\n',
      'mode=apply&async=true',
    );
    assert.equal(r.status, 202);
    let report = r.body;
    for (let i = 0; i < 100 && report.status === 'running'; i++) {
      await new Promise((res) => setTimeout(res, 20));
      report = (await s.request('GET', `${API}/imports/${r.body.id}`)).body;
    }
    assert.equal(report.status, 'completed');
    assert.equal(report.applied, true);
    assert.ok(await person('bg1'));
  });

  it('needs a People administrator', async () => {
    const reader = await s.makeUser('reader');
    const r = await s.request('POST', `${API}/imports`, {
      raw: 'username\nx\n',
      key: reader.key,
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(r.status, 403);
    assert.equal((await s.request('GET', `${API}/users/export`, { key: reader.key })).status, 403);
  });
});
