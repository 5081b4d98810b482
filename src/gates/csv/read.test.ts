import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatehouseError } from '../../core/errors.ts';
import type { ProfileFieldDef } from '../../core/profile-field-types.ts';
import { detectDelimiter, readImportFile, readImportRows } from './read.ts';
import { mapHeader } from './columns.ts';

const defs: ProfileFieldDef[] = [
  { name: 'birthday', label: 'Birthday', type: 'date_no_year', options: [], required: false },
  { name: 'skills', label: 'Skills', type: 'multiselect', options: ['Go', 'TS'], required: false },
];

const read = (text: string | Buffer, d = defs) =>
  readImportFile([typeof text === 'string' ? Buffer.from(text) : text], d);

async function fileError(p: Promise<unknown>): Promise<GatehouseError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GatehouseError, String(e));
    assert.equal(e.type, 'import_file_invalid');
    return e;
  }
  assert.fail('expected import_file_invalid');
}

function utf16(text: string, bigEndian: boolean): Buffer {
  const le = Buffer.from('\ufeff' + text, 'utf16le');
  if (!bigEndian) return le;
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

describe('CSV reading', () => {
  it('accepts the original header spellings and aliases, case-insensitively', async () => {
    const f = await read(
      'USERNAME,First Name,last_name,E-mail,Account State,change password next time,Manager,Birthday\n' +
        'jo,Jo,Smith,jo@x.org,No,1,boss,1225\n',
    );
    const r = f.rows[0]!;
    assert.equal(r.username, 'jo');
    assert.equal(r.fields.firstname, 'Jo');
    assert.equal(r.fields.surname, 'Smith');
    assert.equal(r.fields.email, 'jo@x.org');
    assert.equal(r.state, 'blocked');
    assert.equal(r.fields.must_change_password, true);
    assert.deepEqual(r.manager, { username: 'boss' });
    assert.deepEqual(r.fields.profile, { birthday: '12-25' });
    assert.equal(r.row, 2);
  });

  it('reads UTF-8 with a BOM, UTF-16 LE and BE, and ; or tab delimiters', async () => {
    const text = 'username;firstname\r\nzoë;Zoë\r\n';
    for (const bytes of [
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      utf16(text, false),
      utf16(text, true),
      Buffer.from(text.replaceAll(';', '\t')),
    ]) {
      const f = await read(bytes);
      assert.equal(f.rows[0]?.username, 'zoë');
      assert.equal(f.rows[0]?.fields.firstname, 'Zoë');
    }
    assert.equal(detectDelimiter('"a,b";c;d'), ';');
    assert.equal(detectDelimiter('a\tb\tc'), '\t');
  });

  it('keeps quoted newlines in a cell and numbers rows as a spreadsheet does', async () => {
    const f = await read('username,office\n"a","Line 1\nLine 2"\n\nb,x\n');
    assert.equal(f.rows[0]?.fields.office, 'Line 1\nLine 2');
    assert.deepEqual(
      f.rows.map((r) => r.row),
      [2, 4],
    );
  });

  it('removes the export’s spreadsheet-safety apostrophes, but never from passwords', async () => {
    const f = await read("username,phone,password\nx,'+44 1,'=secret\n");
    assert.equal(f.rows[0]?.fields.phone, '+44 1');
    assert.equal(f.rows[0]?.password, "'=secret");
  });

  it('refuses an empty file, unknown columns (with a suggestion) and a missing username', async () => {
    assert.match((await fileError(read(''))).message, /empty/);
    assert.match((await fileError(read(Buffer.from([0xef, 0xbb, 0xbf])))).message, /empty/);
    const e = await fileError(read('username,fristname,shoe size\n'));
    assert.deepEqual(
      e.fields?.map((f) => f.field),
      ['fristname', 'shoe size'],
    );
    assert.match(e.message, /Did you mean "firstname"/);
    assert.match((await fileError(read('firstname\nx\n'))).message, /no "username" column/);
    assert.match((await fileError(read('username,surname,last name\n'))).message, /same thing/);
  });

  it('refuses bytes that are not valid UTF-8, and malformed quoting, as file errors', async () => {
    assert.match(
      (await fileError(read(Buffer.from([0x75, 0x2c, 0x0a, 0xe9, 0x0a])))).message,
      /not valid UTF-8/,
    );
    assert.match((await fileError(read('username\n"a"b\n'))).message, /not valid CSV/);
    // Regression: csv-parse's error for this one had no CSV_ prefix and escaped as an
    // internal error instead of a file error.
    assert.match((await fileError(read('username\nan"n\n'))).message, /not valid CSV near line 2/);
    assert.match((await fileError(read('username\n"ann\n'))).message, /not valid CSV/);
  });

  it('reports cells it cannot read, and rows of the wrong width, on their row and column', async () => {
    const f = await read('username,Account State,skills,birthday\nx,maybe,"Go,TS",1332\ny\n');
    assert.deepEqual(f.rows[0]?.readErrors, [
      { field: 'Account State', message: 'Must be Yes (active) or No (blocked).' },
    ]);
    assert.deepEqual(f.rows[0]?.fields.profile, { skills: ['Go', 'TS'], birthday: '13-32' });
    assert.equal(f.rows[1]?.readErrors?.[0]?.field, 'row');
  });

  it('limits the number of rows', async () => {
    await assert.rejects(
      readImportFile([Buffer.from('username\na\nb\nc\n')], [], { maxRows: 2 }),
      /more than 2 rows/,
    );
  });

  it('maps profile fields by symbolic name or label', () => {
    const m = mapHeader(['username', 'Skills', 'BIRTHDAY'], defs);
    assert.ok(m.ok);
    assert.deepEqual(
      m.map.targets.map((t) => (t.kind === 'profile' ? t.def.name : t.column)),
      ['username', 'skills', 'birthday'],
    );
  });
  it('keeps rows packed and gives equal rows for every slice, long and odd cells included', async () => {
    const long = 'x'.repeat(700_000);
    const lines = ['username,job title,office'];
    for (let i = 0; i < 300; i++) lines.push(`u${i},"Job, ${i}",Ünïcode ${i} 😀`);
    lines.splice(100, 0, `big1,${long},a`, `big2,${long},b`, 'nul,"a\u0000b",c', '', 'short,x');
    const bytes = Buffer.from(lines.join('\r\n'));
    const packed = await readImportRows([bytes], []);
    const whole = await readImportFile([bytes], []);
    assert.equal(packed.rows.length, 304);
    assert.deepEqual(packed.rows.slice(0, packed.rows.length), whole.rows);
    assert.deepEqual(packed.rows.slice(95, 110), whole.rows.slice(95, 110));
    const [big1, big2, nul, short] = packed.rows.slice(99, 103);
    assert.equal(big1?.fields.job_title, long);
    assert.equal(big2?.fields.office, 'b');
    assert.equal(nul?.fields.job_title, 'a\u0000b');
    assert.equal(short?.readErrors?.[0]?.field, 'row');
    assert.equal(short?.row, 105, 'the blank line keeps its number');
    assert.equal(packed.rows.slice(303, 400)[0]?.fields.office, 'Ünïcode 299 😀');
  });
});
