/**
 * The one mapping of a raw ldapts entry (map-raw.ts), used by the sync, the connection test,
 * the sign-in bind and SSO's just-in-time lookup, on entries shaped as slapd and Samba answer
 * them: attribute names in any case, several values, binary GUIDs and SIDs, absent
 * attributes, disabled and locked-out accounts, an entry without its id. (The expectations
 * are what the former two-step mapping, toUserEntry then mapEntry, gave on the same entries.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from 'ldapts';
import type { DirectoryEntry } from '../../core/sync/types.ts';
import { rawEntryMapper, unknownMappingKeys } from './map-raw.ts';
import type { LdapAttributeMapping, LdapUserSearch } from './types.ts';

const openldap: LdapUserSearch = {
  baseDn: 'dc=x',
  userFilter: '(objectClass=inetOrgPerson)',
  idAttribute: 'entryUUID',
  usernameAttribute: 'uid',
  attributes: [],
  activeDirectory: false,
};
const ad: LdapUserSearch = {
  ...openldap,
  idAttribute: 'objectGUID',
  usernameAttribute: 'sAMAccountName',
  activeDirectory: true,
};

const mapping: LdapAttributeMapping = {
  surname: 'sn',
  firstname: 'givenName',
  email: 'mail',
  user_code: 'employeeNumber',
  'profile.city': 'l',
  'profile.sid': 'objectSid',
  manager_id: 'manager',
  phone: '',
};

/** An expected entry: the mapping's fields '' unless given, in the mapping's order. */
function entry(
  base: Pick<DirectoryEntry, 'externalId' | 'username' | 'dn' | 'active'>,
  values: { fields?: DirectoryEntry['fields']; profile?: DirectoryEntry['profile'] } = {},
  manager: DirectoryEntry['manager'] = null,
): DirectoryEntry {
  return {
    ...base,
    fields: { surname: '', firstname: '', email: '', user_code: '', ...values.fields },
    profile: { city: '', sid: '', ...values.profile },
    manager,
  };
}

function maps(raw: Entry, search: LdapUserSearch, expected: DirectoryEntry | undefined): void {
  const now = rawEntryMapper(search, mapping)(raw);
  if (expected === undefined) return assert.equal(now, undefined);
  assert.deepEqual(now, expected);
  // The mapping's key order too: the run items' change records are written in it.
  assert.deepEqual(Object.keys(now?.fields ?? {}), Object.keys(expected.fields));
}

describe('ldap layer: the mapping of a raw entry', () => {
  it('maps OpenLDAP entries', () => {
    maps(
      {
        dn: 'uid=ada,dc=x',
        entryUUID: 'AB-12',
        uid: ['ada', 'ada2'],
        sn: '  Lovelace ',
        GIVENNAME: ['Ada', 'Augusta'],
        manager: 'uid=boss,dc=x',
        l: [],
      },
      openldap,
      entry(
        { externalId: 'ab-12', username: 'ada', dn: 'uid=ada,dc=x', active: true },
        { fields: { surname: 'Lovelace', firstname: 'Ada' } },
        { kind: 'dn', ref: 'uid=boss,dc=x' },
      ),
    );
    maps(
      { dn: 'uid=b,dc=x', entryUUID: 'x', uid: 'b', manager: '  ' },
      openldap,
      entry({ externalId: 'x', username: 'b', dn: 'uid=b,dc=x', active: true }),
    );
    maps(
      { dn: 'uid=c,dc=x', entryuuid: 'y', UID: 'c', pwdAccountLockedTime: '000001010000Z' },
      openldap,
      entry({ externalId: 'y', username: 'c', dn: 'uid=c,dc=x', active: false }),
    );
    maps(
      { dn: 'uid=d,dc=x', entryUUID: 'z', uid: 'd', pwdAccountLockedTime: '20261206120000Z' },
      openldap,
      entry({ externalId: 'z', username: 'd', dn: 'uid=d,dc=x', active: true }),
    );
    maps({ dn: 'uid=e,dc=x', uid: 'e', sn: 'No id' }, openldap, undefined);
    maps({ dn: 'uid=f,dc=x', entryUUID: 'f' }, openldap, undefined);
    maps(
      { dn: 'uid=g,dc=x', entryUUID: Buffer.from('bytes-id'), uid: Buffer.from('g') },
      openldap,
      entry({ externalId: 'bytes-id', username: 'g', dn: 'uid=g,dc=x', active: true }),
    );
  });

  it('maps Active Directory entries', () => {
    const guid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const sid = Buffer.from('010500000000000515000000', 'hex');
    const id = '33221100-5544-7766-8899-aabbccddeeff';
    maps(
      {
        dn: 'CN=Ada,DC=x',
        objectGUID: guid,
        sAMAccountName: 'ada',
        objectSid: sid,
        userAccountControl: '514',
        mail: 'ada@x.test',
      },
      ad,
      entry(
        { externalId: id, username: 'ada', dn: 'CN=Ada,DC=x', active: false },
        { fields: { email: 'ada@x.test' }, profile: { sid: '010500000000000515000000' } },
      ),
    );
    // LOCKOUT (0x10) is not disabled; an unreadable flag is not either.
    maps(
      { dn: 'CN=B,DC=x', objectguid: [guid], samaccountname: 'b', userAccountControl: '528' },
      ad,
      entry({ externalId: id, username: 'b', dn: 'CN=B,DC=x', active: true }),
    );
    maps(
      { dn: 'CN=C,DC=x', objectGUID: guid, sAMAccountName: 'c', userAccountControl: 'x' },
      ad,
      entry({ externalId: id, username: 'c', dn: 'CN=C,DC=x', active: true }),
    );
    maps(
      { dn: 'CN=D,DC=x', objectGUID: Buffer.from('short'), sAMAccountName: 'd' },
      ad,
      entry({ externalId: 'short', username: 'd', dn: 'CN=D,DC=x', active: true }),
    );
  });

  it('maps fields, profile, manager DN, cleared attributes and the disabled flag', () => {
    const map = rawEntryMapper(openldap, {
      firstname: 'givenName',
      email: 'mail',
      'profile.city': 'l',
      manager_id: 'manager',
    });
    assert.deepEqual(
      map({
        dn: 'uid=a,dc=x',
        entryUUID: 'id-1',
        uid: 'a',
        pwdAccountLockedTime: '000001010000Z',
        givenName: 'Ada',
        manager: 'uid=b,dc=x',
        l: 'Leeds',
      }),
      {
        externalId: 'id-1',
        username: 'a',
        dn: 'uid=a,dc=x',
        active: false,
        fields: { firstname: 'Ada', email: '' },
        profile: { city: 'Leeds' },
        manager: { kind: 'dn', ref: 'uid=b,dc=x' },
      },
    );
    assert.equal(
      rawEntryMapper(openldap, { manager_id: 'manager' })({ dn: 'd', entryUUID: 'i', uid: 'u' })
        ?.manager,
      null,
    );
    assert.deepEqual(
      unknownMappingKeys({ firstname: 'x', 'profile.': 'y', colour: 'z', 'profile.a': 'b' }),
      ['profile.', 'colour'],
    );
  });
});
