import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter, FILTER_LIMITS, type FilterNode } from './parse.ts';
import { GatehouseError } from '../../../core/errors.ts';
import { ENTERPRISE_SCHEMA } from '../attributes.ts';

/** A compact text form of the AST, to compare against. */
function show(n: FilterNode): string {
  switch (n.kind) {
    case 'and':
    case 'or':
      return `(${show(n.left)} ${n.kind} ${show(n.right)})`;
    case 'not':
      return `not ${show(n.node)}`;
    case 'present':
      return `${n.attr.path} pr`;
    case 'compare':
      return `${n.attr.path} ${n.op} ${JSON.stringify(n.value)}`;
    case 'valuePath':
      return `${n.attr.path}[${show(n.filter)}]`;
  }
}

function rejects(text: string, kind: 'User' | 'Group' = 'User'): string {
  try {
    parseFilter(text, kind);
  } catch (err) {
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.type, 'scim_invalid_filter');
    return err.message;
  }
  assert.fail(`accepted: ${text}`);
}

test('Okta and Entra lookups', () => {
  assert.equal(
    show(parseFilter('userName eq "alice@example.org"', 'User')),
    'userName eq "alice@example.org"',
  );
  assert.equal(
    show(parseFilter('emails[type eq "work"].value eq "a@x.org"', 'User')),
    'emails[(type eq "work" and value eq "a@x.org")]',
  );
  assert.equal(show(parseFilter('externalId eq "00u1"', 'User')), 'externalId eq "00u1"');
  assert.equal(show(parseFilter('displayName eq "Sales"', 'Group')), 'displayName eq "Sales"');
  assert.equal(show(parseFilter('members[value eq "abc"]', 'Group')), 'members[value eq "abc"]');
});

test('operators, precedence, parentheses and not', () => {
  assert.equal(
    show(parseFilter('title pr and userType eq "Employee" or active eq false', 'User')),
    '((title pr and userType eq "Employee") or active eq false)',
  );
  assert.equal(
    show(parseFilter('title pr and (userType eq "A" or userType eq "B")', 'User')),
    '(title pr and (userType eq "A" or userType eq "B"))',
  );
  assert.equal(
    show(
      parseFilter('not (userName sw "a") AND meta.lastModified gt "2026-01-01T00:00:00Z"', 'User'),
    ),
    '(not userName sw "a" and meta.lastModified gt "2026-01-01T00:00:00Z")',
  );
  for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'])
    assert.equal(parseFilter(`userName ${op.toUpperCase()} "x"`, 'User').kind, 'compare');
});

test('case of names, URN prefixes, dotted multi-valued paths', () => {
  assert.equal(show(parseFilter('USERNAME eq "x"', 'User')), 'userName eq "x"');
  assert.equal(
    show(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "A"', 'User')),
    'name.givenName eq "A"',
  );
  assert.equal(
    show(parseFilter(`${ENTERPRISE_SCHEMA}:employeeNumber eq "42"`, 'User')),
    `${ENTERPRISE_SCHEMA}:employeeNumber eq "42"`,
  );
  assert.equal(show(parseFilter('emails.type eq "work"', 'User')), 'emails[type eq "work"]');
  assert.equal(show(parseFilter('emails co "@x"', 'User')), 'emails[value co "@x"]');
  assert.equal(
    show(parseFilter('emails[type eq "work" and primary eq true]', 'User')),
    'emails[(type eq "work" and primary eq true)]',
  );
});

test('strings decode JSON escapes', () => {
  const n = parseFilter('userName eq "a\\"b\\\\c\\u00e9"', 'User');
  assert.equal(n.kind === 'compare' && n.value, 'a"b\\cé');
});

test('unknown attributes are invalidFilter', () => {
  assert.match(rejects('nosuch eq "x"'), /nosuch/);
  assert.match(rejects('password eq "x"'), /password/);
  assert.match(rejects('members eq "x"', 'User'), /members/);
  assert.match(rejects('userName eq "x"', 'Group'), /userName/);
  assert.match(rejects('emails[nosuch eq "x"]'), /no sub-attribute/);
  assert.match(rejects('name[givenName eq "x"]'), /"name"/);
  assert.match(rejects('title[value eq "x"]'), /not multi-valued/);
  assert.match(rejects('urn:evil:User:userName eq "x"'), /not a User attribute/);
});

test('bad syntax is invalidFilter', () => {
  for (const bad of [
    '',
    'userName',
    'userName eq',
    'userName eq x',
    'userName xx "x"',
    'userName eq "x" and',
    '(userName eq "x"',
    'userName eq "x")',
    'userName eq "x',
    'emails[type eq "work"',
    'emails[type eq "work"]].value',
    'emails[emails[type eq "a"]]',
    'active eq "true"',
    'active gt true',
    'userName co 3',
    'userName gt null',
    'not userName eq "x"',
    'userName eq "x" userName eq "y"',
    'userName eq "\\x"',
  ])
    rejects(bad);
});

test('hostile input: injection attempts stay values or fail, never SQL', () => {
  const n = parseFilter(`userName eq "x' OR 1=1; DROP TABLE people; --"`, 'User');
  assert.equal(n.kind === 'compare' && n.value, "x' OR 1=1; DROP TABLE people; --");
  rejects(`userName eq "x" OR 1=1`);
  rejects(`userName eq 'x'`);
  rejects(`userName; DROP TABLE people eq "x"`);
  rejects('user_name eq "x"');
  rejects('"userName" eq "x"');
});

test('hostile input: depth, length and term limits', () => {
  const deep =
    '('.repeat(FILTER_LIMITS.depth + 1) + 'userName eq "x"' + ')'.repeat(FILTER_LIMITS.depth + 1);
  assert.match(rejects(deep), /deeper/);
  const notDeep = 'not ('.repeat(100) + 'userName eq "x"' + ')'.repeat(100);
  assert.match(rejects(notDeep), /deeper/);
  const ok =
    '('.repeat(FILTER_LIMITS.depth - 1) + 'userName eq "x"' + ')'.repeat(FILTER_LIMITS.depth - 1);
  assert.equal(parseFilter(ok, 'User').kind, 'compare');
  const many = Array.from(
    { length: FILTER_LIMITS.terms + 1 },
    (_, i) => `userName eq "u${i}"`,
  ).join(' or ');
  assert.match(rejects(many), /more than/);
  assert.match(rejects(`userName eq "${'a'.repeat(FILTER_LIMITS.length)}"`), /longer/);
  // A million opening parentheses fail on length before any parsing.
  assert.match(rejects('('.repeat(1_000_000)), /longer/);
});

test('the simple `attribute eq "text"` shape read at once gives what the parser gives', () => {
  // Parentheses send a filter through the tokenizer and parser and add no node: the
  // reference to compare the quick reading against, error for error.
  const outcome = (text: string, kind: 'User' | 'Group') => {
    try {
      return parseFilter(text, kind);
    } catch (err) {
      assert.ok(err instanceof GatehouseError);
      // Positions differ by the added parenthesis.
      return `${err.type}: ${err.message.replace(/character \d+/g, 'character N')}`;
    }
  };
  const names = ['userName', 'USERNAME', 'displayName', 'externalId', 'id', 'title', 'active'];
  names.push('emails', 'name', 'members', 'nickName', 'locale', 'unknownThing', 'x'.repeat(201));
  const values = ['alice@example.org', '', 'Ünïcode ＡＢＣ', "it's", 'a b'];
  for (const kind of ['User', 'Group'] as const)
    for (const name of names)
      for (const value of values)
        for (const [eq, gap] of [
          ['eq', ' '],
          ['EQ', '  '],
          ['Eq', '\t'],
        ] as const) {
          const text = `${gap}${name}${gap}${eq}${gap}"${value}"${gap}`;
          assert.deepEqual(outcome(text, kind), outcome(`(${text})`, kind), text);
        }
  // A raw control character inside the string is the parser's error, not a match.
  assert.match(rejects('userName eq "a\nb"'), /bad escape/);
  assert.equal(show(parseFilter('userName eq "a\\"b"', 'User')), 'userName eq "a\\"b"');
});
