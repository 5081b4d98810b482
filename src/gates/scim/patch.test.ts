import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, readPatchBody, type JsonObject } from './patch.ts';
import { ENTERPRISE_SCHEMA } from './attributes.ts';
import { GatehouseError } from '../../core/errors.ts';

const user = (): JsonObject => ({
  userName: 'alice',
  name: { givenName: 'Alice', familyName: 'Liddell' },
  emails: [
    { value: 'alice@work.example', type: 'work', primary: true },
    { value: 'alice@home.example', type: 'home' },
  ],
  active: true,
});

function patch(resource: JsonObject, ops: unknown[], kind: 'User' | 'Group' = 'User'): JsonObject {
  return applyPatch(resource, readPatchBody({ schemas: [], Operations: ops }), kind);
}

function failsWith(type: string, fn: () => unknown): void {
  assert.throws(fn, (err) => err instanceof GatehouseError && err.type === type);
}

test('Okta deactivation: replace without a path, boolean value', () => {
  const out = patch(user(), [{ op: 'replace', value: { active: false } }]);
  assert.equal(out.active, false);
});

test('Entra: capitalised ops, "False" strings, dotted keys and extension URNs without a path', () => {
  const out = patch(user(), [
    { op: 'Replace', path: 'active', value: 'False' },
    {
      op: 'Add',
      value: {
        'name.givenName': 'Al',
        title: 'Engineer',
        [`${ENTERPRISE_SCHEMA}:department`]: 'Research',
      },
    },
    { op: 'Replace', value: { [ENTERPRISE_SCHEMA]: { employeeNumber: '42' } } },
  ]);
  assert.equal(out.active, false);
  assert.deepEqual(out.name, { givenName: 'Al', familyName: 'Liddell' });
  assert.equal(out.title, 'Engineer');
  assert.deepEqual(out[ENTERPRISE_SCHEMA], { department: 'Research', employeeNumber: '42' });
});

test('value-filtered paths: replace, add to a missing work email, remove', () => {
  let out = patch(user(), [
    { op: 'replace', path: 'emails[type eq "work"].value', value: 'a2@work.example' },
  ]);
  assert.equal((out.emails as JsonObject[])[0]!.value, 'a2@work.example');
  assert.equal((out.emails as JsonObject[]).length, 2);
  out = patch({ userName: 'bob' }, [
    { op: 'Add', path: 'emails[type eq "work"].value', value: 'bob@work.example' },
    { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+44 7700 900000' },
  ]);
  assert.deepEqual(out.emails, [{ type: 'work', value: 'bob@work.example' }]);
  assert.deepEqual(out.phoneNumbers, [{ type: 'mobile', value: '+44 7700 900000' }]);
  out = patch(user(), [{ op: 'remove', path: 'emails[type eq "home"]' }]);
  assert.deepEqual(out.emails, [{ value: 'alice@work.example', type: 'work', primary: true }]);
  out = patch(user(), [{ op: 'remove', path: 'emails[TYPE EQ "WORK"].primary' }]);
  assert.equal((out.emails as JsonObject[])[0]!.primary, undefined);
});

test('multi-valued add appends without duplicates; replace swaps the list; one primary', () => {
  let out = patch(user(), [
    {
      op: 'add',
      path: 'emails',
      value: [
        { value: 'alice@home.example', type: 'home' },
        { value: 'x@y.example', type: 'other', primary: true },
      ],
    },
  ]);
  const emails = out.emails as JsonObject[];
  assert.equal(emails.length, 3);
  assert.deepEqual(
    emails.filter((e) => e.primary === true).map((e) => e.value),
    ['x@y.example'],
  );
  out = patch(user(), [{ op: 'replace', path: 'emails', value: [{ value: 'n@x.example' }] }]);
  assert.deepEqual(out.emails, [{ value: 'n@x.example' }]);
});

test('group members: Okta filter removal, Entra value-list removal removes only those', () => {
  const group: JsonObject = {
    displayName: 'Sales',
    members: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
  };
  assert.deepEqual(
    patch(group, [{ op: 'remove', path: 'members[value eq "b"]' }], 'Group').members,
    [{ value: 'a' }, { value: 'c' }],
  );
  assert.deepEqual(
    patch(
      group,
      [{ op: 'Remove', path: 'members', value: [{ value: 'a' }, { value: 'c' }] }],
      'Group',
    ).members,
    [{ value: 'b' }],
  );
  assert.equal(patch(group, [{ op: 'remove', path: 'members' }], 'Group').members, undefined);
  assert.deepEqual(
    patch(group, [{ op: 'add', path: 'members', value: [{ value: 'c' }, { value: 'd' }] }], 'Group')
      .members,
    [{ value: 'a' }, { value: 'b' }, { value: 'c' }, { value: 'd' }],
  );
  assert.equal(
    patch(group, [{ op: 'replace', value: { displayName: 'Sales EMEA' } }], 'Group').displayName,
    'Sales EMEA',
  );
});

test('removing an attribute, a sub-attribute, an extension attribute', () => {
  const start = {
    ...user(),
    title: 'T',
    [ENTERPRISE_SCHEMA]: { department: 'D', manager: { value: 'm' } },
  };
  const out = patch(start, [
    { op: 'remove', path: 'title' },
    { op: 'remove', path: 'name.familyName' },
    { op: 'remove', path: `${ENTERPRISE_SCHEMA}:manager` },
  ]);
  assert.equal(out.title, undefined);
  assert.deepEqual(out.name, { givenName: 'Alice' });
  assert.deepEqual(out[ENTERPRISE_SCHEMA], { department: 'D' });
});

test('errors: bad ops, read-only attributes, bad paths, no target', () => {
  failsWith('scim_invalid_syntax', () => readPatchBody({}));
  failsWith('scim_invalid_syntax', () =>
    readPatchBody({ Operations: [{ op: 'move', path: 'x' }] }),
  );
  failsWith('scim_invalid_value', () =>
    readPatchBody({ Operations: [{ op: 'add', path: 'title' }] }),
  );
  failsWith('scim_no_target', () => patch(user(), [{ op: 'remove' }]));
  failsWith('scim_mutability', () => patch(user(), [{ op: 'replace', path: 'id', value: 'x' }]));
  failsWith('scim_mutability', () => patch(user(), [{ op: 'replace', path: 'meta', value: {} }]));
  failsWith('scim_invalid_path', () =>
    patch(user(), [{ op: 'replace', path: 'emails[type eq "work"', value: 'x' }]),
  );
  failsWith('scim_invalid_path', () =>
    patch(user(), [{ op: 'replace', path: 'title[value eq "x"]', value: 'x' }]),
  );
  failsWith('scim_invalid_path', () =>
    patch(user(), [{ op: 'replace', path: 'emails[nosuch eq "x"].value', value: 'x' }]),
  );
  failsWith('scim_invalid_path', () =>
    patch(user(), [{ op: 'replace', path: 'a.b.c', value: 'x' }]),
  );
  failsWith('scim_no_target', () =>
    patch(
      user(),
      [{ op: 'replace', path: 'emails[type pr].value', value: 'x' }].map((o) => ({
        ...o,
        path: 'emails[value co "none"].value',
      })),
    ),
  );
});

test('the input is not changed', () => {
  const u = user();
  patch(u, [{ op: 'remove', path: 'emails' }]);
  assert.deepEqual(u, user());
});
