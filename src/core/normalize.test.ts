import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emailKey, likeEscape, searchText, usernameKey } from './normalize.ts';

describe('usernameKey', () => {
  it('compares case-insensitively after NFKC and trimming', () => {
    assert.equal(usernameKey('  JDoe '), 'jdoe');
    assert.equal(usernameKey('ＪＤｏｅ'), 'jdoe'); // full-width letters fold by NFKC
    assert.equal(usernameKey('ﬁona'), 'fiona'); // the "fi" ligature
    assert.equal(usernameKey('Ångström'), usernameKey('A\u030angstro\u0308m'));
  });
  it('keeps different names different', () => {
    assert.notEqual(usernameKey('jdoe'), usernameKey('j.doe'));
  });
});

describe('emailKey and searchText', () => {
  it('lower-cases and trims emails', () => {
    assert.equal(emailKey(' Jane@Example.ORG '), 'jane@example.org');
  });
  it('searches names, the full name, username and email', () => {
    const t = searchText({
      username: 'JDoe',
      firstname: 'Jane',
      surname: 'Doe',
      email: 'jane@x.org',
    });
    for (const needle of ['jdoe', 'jane doe', 'jane@x.org', 'doe'])
      assert.ok(t.includes(needle), needle);
  });
  it('escapes LIKE wildcards', () => {
    assert.equal(likeEscape('50%_off\\'), '50\\%\\_off\\\\');
  });
});
