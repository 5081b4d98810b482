import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCIM_MAPPING, entryOf, filterRows, readPath } from './mapping.ts';
import { ENTERPRISE_SCHEMA } from '../../gates/scim/attributes.ts';
import type { JsonObject } from '../../gates/scim/patch.ts';

// Attribute names in any case, as IdPs send them; paths are read through one key index per
// resource (mapping.ts KeyIndex), which must answer as keyOf does.
const resource: JsonObject = {
  UserName: 'ada@example.org',
  NAME: { GivenName: 'Ada', familyname: 'Lovelace' },
  Emails: [
    { value: 'home@example.org', type: 'home' },
    { value: 'ada@example.org', type: 'work', Primary: 'True', primary: true },
  ],
  phoneNumbers: [{ type: 'Mobile', value: '+44 1' }],
  [ENTERPRISE_SCHEMA.toUpperCase()]: { EmployeeNumber: 'E1', manager: { value: 'm-1' } },
  title: 'Countess',
  Title: 'ignored: the exact name wins',
};

describe('SCIM mapping paths', () => {
  it('reads attributes, sub-attributes, filtered and extension paths in any case', () => {
    assert.equal(readPath(resource, 'name.givenName'), 'Ada');
    assert.equal(readPath(resource, 'name.familyName'), 'Lovelace');
    assert.equal(readPath(resource, 'emails'), 'ada@example.org');
    assert.equal(readPath(resource, 'phoneNumbers[type eq "mobile"].value'), '+44 1');
    assert.equal(readPath(resource, `${ENTERPRISE_SCHEMA}:employeeNumber`), 'E1');
    assert.equal(readPath(resource, `${ENTERPRISE_SCHEMA}:manager`), 'm-1');
    assert.equal(readPath(resource, 'title'), 'Countess');
    assert.equal(readPath(resource, 'nickName'), undefined);
    assert.equal(readPath(resource, 'emails.type'), undefined);
  });

  it('gives the entry and the filterable values from the same reads', () => {
    const entry = entryOf(resource, 'id-1', DEFAULT_SCIM_MAPPING);
    assert.equal(entry.username, 'ada@example.org');
    assert.deepEqual(entry.fields, {
      firstname: 'Ada',
      surname: 'Lovelace',
      email: 'ada@example.org',
      job_title: 'Countess',
      phone: '',
      mobile: '+44 1',
      user_code: 'E1',
      department: '',
    });
    assert.deepEqual(entry.manager, { kind: 'external_id', ref: 'm-1' });
    const rows = filterRows(resource, 'id-1', 7).map((r) => [r.seq, r.attr, r.value, r.type]);
    assert.deepEqual(rows, [
      [0, 'name.familyName', 'Lovelace', null],
      [1, 'name.givenName', 'Ada', null],
      [2, 'title', 'Countess', null],
      [3, `${ENTERPRISE_SCHEMA}:employeeNumber`, 'E1', null],
      [4, `${ENTERPRISE_SCHEMA}:manager.value`, 'm-1', null],
      [5, 'emails', 'home@example.org', 'home'],
      [6, 'emails', 'ada@example.org', 'work'],
      [7, 'phoneNumbers', '+44 1', 'mobile'],
    ]);
  });

  // Regression: the items' sub-attributes were read only as spelled ("value", "type",
  // "primary"), while every other name was read in any case (RFC 7643 §2.1).
  it('reads the sub-attributes of multi-valued items in any case', () => {
    const shouting: JsonObject = {
      userName: 'grace',
      emails: [
        { Value: 'home@example.org', TYPE: 'Home' },
        { VALUE: 'grace@example.org', Type: 'Work', PRIMARY: true },
      ],
      phoneNumbers: [{ Type: 'mobile', Value: '+1 2' }],
    };
    assert.equal(readPath(shouting, 'emails'), 'grace@example.org');
    assert.equal(readPath(shouting, 'emails.value'), 'grace@example.org');
    assert.equal(readPath(shouting, 'phoneNumbers[type eq "mobile"].value'), '+1 2');
    const entry = entryOf(shouting, 'id-2', DEFAULT_SCIM_MAPPING);
    assert.equal(entry.fields.email, 'grace@example.org');
    assert.equal(entry.fields.mobile, '+1 2');
    const rows = filterRows(shouting, 'id-2', 7).map((r) => [
      r.attr,
      r.value,
      r.type,
      r.is_primary,
    ]);
    assert.deepEqual(rows, [
      ['emails', 'home@example.org', 'home', 0],
      ['emails', 'grace@example.org', 'work', 1],
      ['phoneNumbers', '+1 2', 'mobile', 0],
    ]);
  });
});
