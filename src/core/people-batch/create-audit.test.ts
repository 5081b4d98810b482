import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diff, redact } from '../../audit/record.ts';
import { auditView } from '../audit-view.ts';
import { newPersonRow, type NewPersonSpec } from '../person.ts';
import { createChangesJson } from './create-audit.ts';

const spec = (over: Partial<NewPersonSpec>): NewPersonSpec => ({
  username: 'jdoe',
  user_code: null,
  firstname: 'Jane',
  surname: 'Doe',
  email: 'jane@example.org',
  job_title: '',
  department: '',
  office: '',
  phone: '',
  mobile: '',
  manager_id: null,
  extranet_id: null,
  state: 'active',
  blocked_by: null,
  blocked_by_person_id: null,
  directory_id: null,
  password_authority: 'local',
  password_hash: null,
  must_change_password: false,
  origin: 'csv',
  origin_source: null,
  profile: {},
  ...over,
});

/** What the event stored before: the diff of the audit view against nothing, redacted. */
const slow = (row: ReturnType<typeof newPersonRow>) => {
  const changes = diff(null, auditView(row));
  return Object.keys(changes).length > 0 ? JSON.stringify(redact(changes)) : null;
};

describe('createChangesJson', () => {
  const at = '2026-12-06T19:00:00.000Z';
  const texts = [
    'plain',
    'quote " and \\ backslash',
    'tab\tnew\nline\r\u0000\u001f\u007f',
    'Ångström ＪＤｏｅ ﬁ',
    'lone \ud800 high, lone \udc00 low, pair 😀',
    '</script>\u2028\u2029',
  ];
  it('writes the same JSON as the audit view diffed against nothing', () => {
    const rows = [
      newPersonRow(spec({}), true, at),
      newPersonRow(spec({}), false, at),
      newPersonRow(
        spec({
          password_hash: '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p830bcVYV9nQW8E1VgS5hW',
          user_code: 'E1',
          manager_id: 7,
          extranet_id: 2,
          state: 'blocked',
          blocked_by: 'admin',
          blocked_by_person_id: 3,
          directory_id: 4,
          password_authority: 'directory',
          must_change_password: true,
          origin_source: 'import:9',
          profile: { '2': 'two', b: ['x', 'y'], a: 1.5, n: null, d: '2026-01-02', u: 12 },
        }),
        true,
        at,
      ),
      ...texts.map((t) =>
        newPersonRow(
          spec({
            username: t,
            firstname: t,
            surname: t,
            email: t,
            job_title: t,
            department: t,
            office: t,
            phone: t,
            mobile: t,
            user_code: t,
            origin_source: t,
            profile: { [t]: t },
          }),
          true,
          at,
        ),
      ),
    ];
    for (const row of rows) assert.equal(createChangesJson(row), slow(row));
  });
  it('follows values set on the row after it was made (hash, manager, source)', () => {
    const row = newPersonRow(spec({}), true, at);
    Object.assign(row, { password_hash: '$argon2id$v=19$m=1$x$y', password_changed_at: at });
    row.manager_id = 12;
    row.origin_source = 'import:3';
    assert.equal(createChangesJson(row), slow(row));
    assert.match(createChangesJson(row)!, /"password":\["\[redacted\]","\[redacted\]"\]/);
  });
});
