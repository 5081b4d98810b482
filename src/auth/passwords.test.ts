import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import {
  argon2Lanes,
  hashPassword,
  isSupportedHash,
  needsRehash,
  verifyPassword,
  OWASP_ARGON2,
} from './passwords.ts';
import { constantTimeEqual, tokenHash } from './tokens.ts';

describe('passwords', () => {
  it('runs one argon2 computation per core and one more, leaving a pool thread free', () => {
    assert.equal(argon2Lanes(2, 4), 3);
    assert.equal(argon2Lanes(1, 4), 2);
    assert.equal(argon2Lanes(8, 4), 3); // libuv's default pool caps it
    assert.equal(argon2Lanes(8, 10), 9);
    assert.equal(argon2Lanes(0, 1), 1); // never none
  });

  it('hashes with argon2id at OWASP parameters and verifies', async () => {
    const h = await hashPassword('correct horse');
    assert.match(h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(h, 'correct horse'), true);
    assert.equal(await verifyPassword(h, 'wrong horse'), false);
    assert.equal(needsRehash(h, OWASP_ARGON2), false);
  });
  it('verifies imported bcrypt hashes and marks them for rehashing', async () => {
    const h = bcrypt.hashSync('legacy-pass', 4);
    assert.equal(isSupportedHash(h), true);
    assert.equal(await verifyPassword(h, 'legacy-pass'), true);
    assert.equal(await verifyPassword(h, 'nope'), false);
    assert.equal(needsRehash(h), true);
  });
  it('refuses strings that are not hashes it can verify', () => {
    assert.equal(isSupportedHash('plaintext'), false);
    assert.equal(isSupportedHash('$1$md5$whatever'), false);
  });
  it('does the full work for a missing hash, and fails', async () => {
    assert.equal(await verifyPassword(null, 'anything'), false);
  });
});

describe('tokens', () => {
  it('hashes tokens and compares in constant time', () => {
    assert.equal(tokenHash('a'), tokenHash('a'));
    assert.notEqual(tokenHash('a'), tokenHash('b'));
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
  });
});
