/**
 * The sync's one-pass mapping (map-raw.ts) must give exactly what toUserEntry then mapEntry
 * give (the sample of a connection test still maps that way), on entries shaped as slapd
 * and Samba answer them: attribute names in any case, several values, binary GUIDs and
 * SIDs, absent attributes, disabled and locked-out accounts, an entry without its id.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from 'ldapts';
import { toUserEntry } from './entries.ts';
import { mapEntry } from './map.ts';
import { rawEntryMapper } from './map-raw.ts';
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

function same(raw: Entry, search: LdapUserSearch): void {
  const old = toUserEntry(raw, search);
  const now = rawEntryMapper(search, mapping)(raw);
  if (old === undefined) return assert.equal(now, undefined);
  const expected = mapEntry(old, mapping);
  assert.deepEqual(now, expected);
  // The same key order too: the run items' change records are written in it.
  assert.deepEqual(Object.keys(now.fields), Object.keys(expected.fields));
}

describe('ldap layer: the one-pass mapping of a raw entry', () => {
  it('maps as toUserEntry + mapEntry do on OpenLDAP entries', () => {
    same(
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
    );
    same({ dn: 'uid=b,dc=x', entryUUID: 'x', uid: 'b', manager: '  ' }, openldap);
    same(
      { dn: 'uid=c,dc=x', entryuuid: 'y', UID: 'c', pwdAccountLockedTime: '000001010000Z' },
      openldap,
    );
    same(
      { dn: 'uid=d,dc=x', entryUUID: 'z', uid: 'd', pwdAccountLockedTime: '20261206120000Z' },
      openldap,
    );
    same({ dn: 'uid=e,dc=x', uid: 'e', sn: 'No id' }, openldap);
    same({ dn: 'uid=f,dc=x', entryUUID: 'f' }, openldap);
    same({ dn: 'uid=g,dc=x', entryUUID: Buffer.from('bytes-id'), uid: Buffer.from('g') }, openldap);
  });

  it('maps as toUserEntry + mapEntry do on Active Directory entries', () => {
    const guid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const sid = Buffer.from('010500000000000515000000', 'hex');
    same(
      {
        dn: 'CN=Ada,DC=x',
        objectGUID: guid,
        sAMAccountName: 'ada',
        objectSid: sid,
        userAccountControl: '514',
        mail: 'ada@x.test',
      },
      ad,
    );
    // LOCKOUT (0x10) is not disabled; an unreadable flag is not either.
    same(
      { dn: 'CN=B,DC=x', objectguid: [guid], samaccountname: 'b', userAccountControl: '528' },
      ad,
    );
    same({ dn: 'CN=C,DC=x', objectGUID: guid, sAMAccountName: 'c', userAccountControl: 'x' }, ad);
    same({ dn: 'CN=D,DC=x', objectGUID: Buffer.from('short'), sAMAccountName: 'd' }, ad);
  });
});
