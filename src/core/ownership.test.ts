import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenOwnedFields, ownedFieldsError } from './ownership.ts';
import type { Actor } from './context.ts';

const admin: Actor = { personId: 1, label: 'admin', gate: 'api' };
const sync: Actor = { personId: null, label: 'ldap', gate: 'ldap', directoryId: 3 };
const otherSync: Actor = { personId: null, label: 'scim', gate: 'scim', directoryId: 4 };

describe('directory ownership', () => {
  const synced = { directory_id: 3 };
  it('lets nobody but the owning directory change state, password and mapped fields', () => {
    assert.deepEqual(
      forbiddenOwnedFields(synced, ['email'], ['email', 'job_title', 'state', 'password'], admin),
      ['email', 'state', 'password'],
    );
    assert.deepEqual(forbiddenOwnedFields(synced, ['email'], ['email', 'state'], otherSync), [
      'email',
      'state',
    ]);
    assert.deepEqual(forbiddenOwnedFields(synced, ['email'], ['email', 'state'], sync), []);
  });
  it('owns custom profile fields named in the mapping', () => {
    assert.deepEqual(
      forbiddenOwnedFields(synced, ['profile.badge'], ['profile.badge', 'profile.other'], admin),
      ['profile.badge'],
    );
  });
  it('owns nothing on local accounts', () => {
    assert.deepEqual(
      forbiddenOwnedFields({ directory_id: null }, ['email'], ['email', 'state'], admin),
      [],
    );
  });
  it('names the fields and the directory in the error', () => {
    const e = ownedFieldsError(['email', 'state'], 'Corp LDAP');
    assert.equal(e.type, 'field_owned_by_directory');
    assert.equal(e.status, 409);
    assert.match(e.message, /Corp LDAP.*email, state/);
    assert.deepEqual(
      e.fields?.map((f) => f.field),
      ['email', 'state'],
    );
  });
});
