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

describe('the ASCII fast path', () => {
  // The slow path, as the keys were computed before the fast path existed.
  const slowUsername = (s: string) => s.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
  const slowEmail = (s: string) => s.normalize('NFKC').trim().toLowerCase();
  const slowSearch = (p: { username: string; firstname: string; surname: string; email: string }) =>
    [p.username, p.firstname, p.surname, `${p.firstname} ${p.surname}`, p.email]
      .join(' ')
      .normalize('NFKC')
      .toLowerCase();
  // Every code unit below 128 (controls, whitespace, punctuation), and texts beside them.
  const ascii = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));
  const texts = [
    ...ascii,
    ...ascii.map((c) => ` A${c}b `),
    '\t\n JDoe \r\v\f',
    "Jane.O'Neil+Tag@Example.ORG",
    '',
    '  ',
    // Not ASCII: they take the slow path, and must still agree with it.
    'ＪＤｏｅ',
    'ﬁona',
    'Ångström',
    'A\u030angstro\u0308m',
    '\u00a0jdoe\u2003',
    'İstanbul',
    'ǅemal',
  ];
  it('gives the same keys as NFKC with case folding', () => {
    for (const t of texts) {
      assert.equal(usernameKey(t), slowUsername(t), JSON.stringify(t));
      assert.equal(emailKey(t), slowEmail(t), JSON.stringify(t));
    }
  });
  it('gives the same search text', () => {
    for (const t of texts) {
      const p = { username: t, firstname: `F${t}`, surname: 'Doe', email: `${t}@x.org` };
      assert.equal(searchText(p), slowSearch(p), JSON.stringify(t));
    }
  });
});
