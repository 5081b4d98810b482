/** The filter grammar compiled to SQL, on the engine of the run: each operator against known users. */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startScimServer, USER, ENTERPRISE, type ScimServer } from './helpers.ts';

let s: ScimServer;
let created = '';
before(async () => {
  s = await startScimServer();
  const users = [
    {
      userName: 'ada@example.org',
      given: 'Ada',
      family: 'Lovelace',
      title: 'Countess',
      ext: 'A-1',
      active: true,
      phones: [{ value: '+44 1', type: 'work' }],
      dept: 'Maths',
    },
    {
      userName: 'alan@example.org',
      given: 'Alan',
      family: 'Turing',
      title: '',
      ext: 'a-2',
      active: false,
      phones: [{ value: '+44 2', type: 'mobile' }],
      dept: 'Maths',
    },
    {
      userName: 'grace@example.net',
      given: 'Grace',
      family: 'Hopper',
      title: 'Admiral',
      ext: 'B-3',
      active: true,
      phones: [],
      dept: 'Navy',
    },
  ];
  for (const u of users) {
    const r = await s.scim('POST', '/Users', {
      schemas: [USER, ENTERPRISE],
      userName: u.userName,
      externalId: u.ext,
      name: { givenName: u.given, familyName: u.family },
      ...(u.title ? { title: u.title } : {}),
      active: u.active,
      emails: [
        { value: u.userName, type: 'work', primary: true },
        { value: `${u.given.toLowerCase()}@home.example`, type: 'home' },
      ],
      phoneNumbers: u.phones,
      [ENTERPRISE]: { department: u.dept },
    });
    assert.equal(r.status, 201, r.text);
    if (u.given === 'Alan') created = r.body.meta.created as string;
  }
});
after(() => s.close());

const CASES: [string, string[]][] = [
  ['userName eq "ADA@example.org"', ['ada']],
  ['userName ne "ada@example.org"', ['alan', 'grace']],
  ['userName co "A"', ['ada', 'alan', 'grace']],
  ['userName sw "al"', ['alan']],
  ['userName ew ".NET"', ['grace']],
  ['userName gt "alan@example.org"', ['grace']],
  ['userName ge "alan@example.org"', ['alan', 'grace']],
  ['userName lt "alan@example.org"', ['ada']],
  ['userName le "alan@example.org"', ['ada', 'alan']],
  ['title pr', ['ada', 'grace']],
  ['not (title pr)', ['alan']],
  ['active eq false', ['alan']],
  ['active ne false', ['ada', 'grace']],
  ['externalId eq "a-2"', ['alan']],
  ['externalId eq "A-2"', []],
  ['externalId sw "A"', ['ada']],
  ['externalId ew "-3"', ['grace']],
  ['externalId co "-"', ['ada', 'alan', 'grace']],
  ['name.familyName eq "turing" or name.givenName sw "gr"', ['alan', 'grace']],
  ['(name.familyName eq "turing" or name.givenName sw "gr") and active eq true', ['grace']],
  ['emails[type eq "home" and value sw "ada"]', ['ada']],
  ['emails[type eq "work"].value ew "example.org"', ['ada', 'alan']],
  ['emails[primary eq true and value co ".net"]', ['grace']],
  ['emails.value eq "grace@home.example"', ['grace']],
  ['emails co "@home"', ['ada', 'alan', 'grace']],
  ['phoneNumbers[type eq "mobile"]', ['alan']],
  ['phoneNumbers pr', ['ada', 'alan']],
  [`${ENTERPRISE}:department eq "maths"`, ['ada', 'alan']],
  ['meta.created lt "2000-01-01T00:00:00Z"', []],
  ['meta.lastModified gt "2000-01-01T00:00:00Z"', ['ada', 'alan', 'grace']],
  ['userName eq "%"', []],
  ['userName co "_"', []],
  ['title ne "Admiral"', ['ada', 'alan']],
];

test('each operator, logical form and value path selects the expected users', async () => {
  for (const [filter, want] of CASES) {
    const r = await s.scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    assert.equal(r.status, 200, `${filter}: ${r.text}`);
    const got = (r.body.Resources as { userName: string }[])
      .map((u) => u.userName.split('@')[0])
      .sort();
    assert.deepEqual(got, want, filter);
    assert.equal(r.body.totalResults, want.length, filter);
  }
  const r = await s.scim(
    'GET',
    `/Users?filter=${encodeURIComponent(`meta.created ge "${created}"`)}`,
  );
  assert.ok(r.body.totalResults >= 1);
});
