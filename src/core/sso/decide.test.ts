/** The first-login decision, row by row of DESIGN.md's table ("SSO login handler"). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type CandidateAccount, type DecisionFacts } from './decide.ts';

const active: CandidateAccount = {
  id: 7,
  username: 'ada',
  state: 'active',
  linked_to_other_subject: false,
};

function facts(
  over: Partial<DecisionFacts> = {},
  provider: Partial<DecisionFacts['provider']> = {},
): DecisionFacts {
  return {
    provider: {
      name: 'Okta',
      enabled: true,
      provision_on_first_login: false,
      not_found_redirect_url: null,
      provision_even_if_directories: false,
      match_by: ['username', 'email'],
      username_attribute: 'preferred_username',
      ...provider,
    },
    identity: { subject: 'sub-1', username: 'ada', email: 'ada@example.org' },
    linked: null,
    matches: [
      { by: 'username', accounts: [] },
      { by: 'email', accounts: [] },
    ],
    directoryCount: 0,
    ...over,
  };
}

describe('first-login decision: 1. the identity is linked or an account matches', () => {
  it('linked and active → sign in, nothing new to link', () => {
    const d = decide(facts({ linked: active }));
    assert.deepEqual(d.kind === 'sign_in' && [d.personId, d.link], [7, false]);
    assert.match(d.reason, /linked identity/);
  });
  it('linked and blocked → refused, even with provisioning on', () => {
    const d = decide(
      facts({ linked: { ...active, state: 'blocked' } }, { provision_on_first_login: true }),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_account_blocked');
    assert.match(d.reason, /blocked/);
  });
  it('linked and frozen → refused', () => {
    const d = decide(facts({ linked: { ...active, state: 'frozen' } }));
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_account_frozen');
  });
  it('matches by username → sign in and link the identity', () => {
    const d = decide(facts({ matches: [{ by: 'username', accounts: [active] }] }));
    assert.deepEqual(d.kind === 'sign_in' && [d.personId, d.link], [7, true]);
    assert.match(d.reason, /matched by username ada/);
  });
  it('matches by email when the username does not → sign in', () => {
    const d = decide(
      facts({
        matches: [
          { by: 'username', accounts: [] },
          { by: 'email', accounts: [active] },
        ],
      }),
    );
    assert.equal(d.kind, 'sign_in');
    assert.match(d.reason, /matched by email ada@example.org/);
  });
  it('match_by order decides: username before email', () => {
    const other = { ...active, id: 8, username: 'ada2' };
    const d = decide(
      facts({
        matches: [
          { by: 'username', accounts: [active] },
          { by: 'email', accounts: [other] },
        ],
      }),
    );
    assert.equal(d.kind === 'sign_in' && d.personId, 7);
  });
  it('a match that is blocked → refused, even with a redirect URL set', () => {
    const d = decide(
      facts(
        { matches: [{ by: 'username', accounts: [{ ...active, state: 'blocked' }] }] },
        { not_found_redirect_url: 'https://example.org/request-access' },
      ),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_account_blocked');
  });
  it('a match that is frozen → refused', () => {
    const d = decide(
      facts({ matches: [{ by: 'email', accounts: [{ ...active, state: 'frozen' }] }] }),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_account_frozen');
  });
  it('several accounts with the email → refused, none chosen', () => {
    const d = decide(
      facts({
        matches: [{ by: 'email', accounts: [active, { ...active, id: 9, username: 'ada.b' }] }],
      }),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_ambiguous_match');
    assert.match(d.reason, /ada, ada\.b/);
  });
  it('a match already linked to another subject of this IdP is not taken over', () => {
    const d = decide(
      facts({
        matches: [{ by: 'username', accounts: [{ ...active, linked_to_other_subject: true }] }],
      }),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_identity_conflict');
  });
  it('a transient identity (no subject) signs in by match and links nothing', () => {
    const d = decide(
      facts({
        identity: { subject: null, username: 'ada' },
        matches: [{ by: 'username', accounts: [{ ...active, linked_to_other_subject: true }] }],
      }),
    );
    assert.deepEqual(d.kind === 'sign_in' && [d.personId, d.link], [7, false]);
  });
  it('a value the IdP did not send matches nothing', () => {
    const d = decide(
      facts({
        identity: { subject: 's', email: 'x@example.org' },
        matches: [{ by: 'username', accounts: [active] }],
      }),
    );
    assert.equal(d.kind, 'refuse');
  });
});

describe('first-login decision: 2. no account matches', () => {
  it('2.1 a redirect URL is set → redirect, no account, even with provisioning on', () => {
    const d = decide(
      facts(
        {},
        {
          not_found_redirect_url: 'https://example.org/request-access',
          provision_on_first_login: true,
        },
      ),
    );
    assert.equal(d.kind === 'redirect' && d.url, 'https://example.org/request-access');
    assert.match(d.reason, /no account is created/);
  });
  it('2.2 provisioning off → refused with a clear sentence', () => {
    const d = decide(facts());
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_no_account');
    assert.match(
      d.reason,
      /No account exists for ada, and this site does not create accounts at first login/,
    );
  });
  it('2.3 directories present, "even if directories" off → lookup first', () => {
    const d = decide(facts({ directoryCount: 1 }, { provision_on_first_login: true }));
    assert.equal(d.kind, 'lookup_directories');
  });
  it('2.3 directories present, lookup not wired → refused', () => {
    const d = decide(
      facts(
        { directoryCount: 2, directoryLookup: 'unavailable' },
        { provision_on_first_login: true },
      ),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_directories_present');
    assert.match(d.reason, /2 user directories/);
  });
  it('2.3 directories present, entry not found → refused, saying so', () => {
    const d = decide(
      facts(
        { directoryCount: 1, directoryLookup: { found: false } },
        { provision_on_first_login: true },
      ),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_directories_present');
    assert.match(d.reason, /No user directory has an entry for ada/);
  });
  it('2.3 directories present, entry outside the scope → refused, saying why', () => {
    const d = decide(
      facts(
        {
          directoryCount: 1,
          directoryLookup: { found: true, inScope: false, directoryName: 'Corp' },
        },
        { provision_on_first_login: true },
      ),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_directories_present');
    assert.match(d.reason, /the sync does not bring it in: it is outside the base DN/);
  });
  it('2.3 directories present, entry in scope and synced → sign in and link (even with provisioning off)', () => {
    const entry = { externalId: 'u1', username: 'ada', fields: {}, profile: {}, active: true };
    const d = decide(
      facts({
        directoryCount: 1,
        directoryLookup: { found: true, inScope: true, directoryName: 'Corp', entry, personId: 7 },
        directoryAccount: active,
      }),
    );
    assert.deepEqual(d.kind === 'sign_in' && [d.personId, d.link], [7, true]);
    assert.match(d.reason, /synced just now from the directory Corp/);
  });
  it('2.3 entry in scope but blocked by the directory → refused as blocked', () => {
    const entry = { externalId: 'u1', username: 'ada', fields: {}, profile: {}, active: false };
    const d = decide(
      facts({
        directoryCount: 1,
        directoryLookup: { found: true, inScope: true, directoryName: 'Corp', entry, personId: 7 },
        directoryAccount: { ...active, state: 'blocked' },
      }),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_account_blocked');
  });
  it('2.3 explain (dry run): entry in scope, not synced yet → would sync', () => {
    const entry = { externalId: 'u1', username: 'ada', fields: {}, profile: {}, active: true };
    const d = decide(
      facts({
        directoryCount: 1,
        directoryLookup: {
          found: true,
          inScope: true,
          directoryName: 'Corp',
          entry,
          personId: null,
        },
        directoryAccount: null,
      }),
    );
    assert.equal(d.kind, 'would_sync');
  });
  it('2.3 directories present but "even if directories" on → provision, no lookup', () => {
    const d = decide(
      facts(
        { directoryCount: 1 },
        { provision_on_first_login: true, provision_even_if_directories: true },
      ),
    );
    assert.equal(d.kind, 'provision');
  });
  it('2.4 no directories, provisioning on → provision', () => {
    const d = decide(facts({}, { provision_on_first_login: true }));
    assert.equal(d.kind, 'provision');
  });
  it('2.4 provisioning on but no username sent → refused naming the attribute', () => {
    const d = decide(
      facts(
        { identity: { subject: 's', email: 'a@example.org' } },
        { provision_on_first_login: true },
      ),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_attribute_missing');
    assert.match(d.reason, /preferred_username/);
  });
  it('an email the IdP did not verify matches nobody, and the reason says so', () => {
    const d = decide(
      facts(
        {
          identity: {
            subject: 's',
            username: 'mallory',
            email: 'ada@example.org',
            unverified: ['email'],
          },
          matches: [
            { by: 'username', accounts: [] },
            { by: 'email', accounts: [active] },
          ],
        },
        { provision_on_first_login: false },
      ),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_no_account');
    assert.match(
      d.reason,
      /the email ada@example\.org was not used to match: Okta did not mark it verified/,
    );
  });
  it('2.3 a directory that cannot be searched → refused as unavailable, not "not found", even with a redirect URL', () => {
    const d = decide(
      facts(
        {
          directoryCount: 1,
          directoryLookup: {
            found: false,
            unavailable: [{ directoryName: 'Corp', reason: 'connection refused' }],
          },
        },
        { provision_on_first_login: true, not_found_redirect_url: 'https://example.org/x' },
      ),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_directory_unavailable');
    assert.match(d.reason, /the directory Corp could not be searched \(connection refused\)/);
  });
  it('2.3 an entry outside the scope names why', () => {
    const d = decide(
      facts({
        directoryCount: 1,
        directoryLookup: {
          found: true,
          inScope: false,
          directoryName: 'Corp',
          why: 'not under the base DN ou=staff,dc=example,dc=test',
        },
      }),
    );
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_no_account');
    assert.match(d.reason, /not under the base DN ou=staff/);
  });
  it('a disabled provider refuses before anything else', () => {
    const d = decide(facts({ linked: active }, { enabled: false }));
    assert.equal(d.kind === 'refuse' && d.errorType, 'sso_provider_disabled');
  });
});
