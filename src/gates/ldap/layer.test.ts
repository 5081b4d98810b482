/**
 * Pure parts of the LDAP layer: filter and DN escaping, objectGUID text form, error kinds,
 * and the range reader on AD-shaped answers (the mapping is map-raw.test.ts's). Windows AD
 * forces `member;range=0-1499` on large groups; Samba never does, so the forced case is
 * checked here on answers shaped like Windows AD's, and the requested-range case on Samba.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from 'ldapts';
import { escapeDnValue, escapeFilterValue } from './escape.ts';
import { guidToBytes, guidToString } from './guid.ts';
import { readRangedValues } from './groups.ts';
import { toLdapError } from './errors.ts';
import { adSubcode } from './bind.ts';
import { normalizeDn, namingContextOf } from './scope.ts';

describe('ldap layer: pure parts', () => {
  it('escapes filter values (RFC 4515) and DN values (RFC 4514)', () => {
    assert.equal(escapeFilterValue('a*)(uid=*'), 'a\\2a\\29\\28uid=\\2a');
    assert.equal(escapeFilterValue('back\\slash\0'), 'back\\5cslash\\00');
    assert.equal(escapeFilterValue('é'), '\\c3\\a9');
    assert.equal(escapeDnValue('Smith, John+x'), 'Smith\\, John\\+x');
    assert.equal(escapeDnValue('#lead '), '\\#lead\\ ');
  });

  it('objectGUID: the first three groups little-endian, lower case, and back', () => {
    const bytes = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    assert.equal(guidToString(bytes), '33221100-5544-7766-8899-aabbccddeeff');
    assert.deepEqual(guidToBytes('33221100-5544-7766-8899-AABBCCDDEEFF'), bytes);
  });

  it('reads forced AD ranges to the end, and an unranged answer at once', async () => {
    const all = Array.from({ length: 3500 }, (_, i) => `CN=u${i},DC=x`);
    const asked: string[] = [];
    const fetch = (attr: string): Promise<Entry> => {
      asked.push(attr);
      const from = attr === 'member' ? 0 : Number(/range=(\d+)-/.exec(attr)?.[1]);
      const to = Math.min(from + 1499, all.length - 1);
      const end = to === all.length - 1 ? '*' : String(to);
      // Like Windows AD (and ldapts): the requested name comes back empty beside the ranged one.
      return Promise.resolve({
        dn: 'CN=g,DC=x',
        [attr]: [],
        [`member;range=${from}-${end}`]: all.slice(from, to + 1),
      });
    };
    assert.deepEqual(await readRangedValues(fetch, 'member'), all);
    assert.deepEqual(asked, ['member', 'member;range=1500-*', 'member;range=3000-*']);
    const plain = await readRangedValues(
      () => Promise.resolve({ dn: 'x', member: ['a', 'b'] }),
      'member',
    );
    assert.deepEqual(plain, ['a', 'b']);
  });

  it('error kinds from socket codes and LDAP result codes; AD sub-codes', () => {
    const url = 'ldap://h';
    assert.equal(
      toLdapError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), { url }).kind,
      'connection_refused',
    );
    assert.equal(
      toLdapError(Object.assign(new Error('x'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), { url })
        .kind,
      'tls',
    );
    assert.equal(
      toLdapError(Object.assign(new Error('x'), { code: 49 }), { url }).kind,
      'invalid_credentials',
    );
    assert.equal(
      toLdapError(Object.assign(new Error('x'), { code: 32 }), { url }).kind,
      'base_dn_not_found',
    );
    assert.equal(
      toLdapError(Object.assign(new Error('x'), { code: 4 }), { url }).kind,
      'size_limit',
    );
    assert.equal(
      toLdapError(Object.assign(new Error('x'), { code: 10 }), { url }).kind,
      'partial_results',
    );
    assert.equal(toLdapError(new Error('Connection timeout'), { url }).kind, 'timeout');
    assert.equal(
      adSubcode(
        new Error(
          '80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 775, v4563',
        ),
      ),
      '775',
    );
  });

  it('DN helpers', () => {
    assert.equal(
      normalizeDn('CN=Smith\\, J , OU=Sales,DC=Example'),
      'cn=smith\\, j,ou=sales,dc=example',
    );
    assert.equal(namingContextOf('cn=g,ou=x,dc=example,dc=test'), 'dc=example,dc=test');
  });
});
