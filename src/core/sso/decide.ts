/**
 * The first-login decision (DESIGN.md, "SSO login handler"): one pure function over the facts
 * the service gathered. No I/O, so every row of the table is a unit test, and the explain tool
 * runs the very same code as a real login.
 *
 * 1. The identity is linked, or an account matches: sign in if active; refuse if blocked or
 *    frozen.
 * 2. No account matches:
 *    0. directories present and "even if directories are present" off: look the person up in
 *       the directories (just in time); an entry in the sync's scope is synced now and goes
 *       through 1. (The account exists in the directory, it is just not synced yet.)
 *    1. a redirect URL is set → redirect; no account is made;
 *    2. provisioning is off → refuse;
 *    3. directories present and "even if directories are present" off → refuse;
 *    4. otherwise → provision (local account, password managed by the IdP), link, sign in.
 */
import type { PersonState } from '../../store/schema.ts';
import type { JustInTimeResult, MatchKey } from './types.ts';

export interface DecisionProvider {
  name: string;
  enabled: boolean;
  provision_on_first_login: boolean;
  not_found_redirect_url: string | null;
  provision_even_if_directories: boolean;
  match_by: MatchKey[];
  /** The mapping's attribute for the username, to name it in a refusal. */
  username_attribute: string | null;
}

/** An account as the decision needs it. */
export interface CandidateAccount {
  id: number;
  username: string;
  /** Effective state (an expired lockout counts as active). */
  state: PersonState;
  /** This account is linked to this provider under another subject already. */
  linked_to_other_subject: boolean;
}

export interface DecisionFacts {
  provider: DecisionProvider;
  /** Who the IdP says it is: subject (null for a transient NameID) and mapped values. */
  identity: {
    subject: string | null;
    username?: string | undefined;
    email?: string | undefined;
    /**
     * Keys whose value the IdP did not verify (OIDC `email_verified` not true): never used to
     * match, or anyone could claim another person's account by typing their address at an IdP.
     */
    unverified?: MatchKey[] | undefined;
  };
  /** The account linked to this identity, if any. */
  linked: CandidateAccount | null;
  /** For each key of match_by (in order), the accounts with that value. */
  matches: { by: MatchKey; accounts: CandidateAccount[] }[];
  directoryCount: number;
  /** The just-in-time directory lookup: absent when not made (yet), 'unavailable' when none is wired. */
  directoryLookup?: JustInTimeResult | 'unavailable';
  /** The account the just-in-time sync made or found, when the lookup synced one. */
  directoryAccount?: CandidateAccount | null;
}

export type Decision =
  | {
      kind: 'sign_in';
      personId: number;
      /** Link this identity to the account (not linked yet, and linkable). */
      link: boolean;
      reason: string;
    }
  | { kind: 'provision'; reason: string }
  | { kind: 'redirect'; url: string; reason: string }
  | { kind: 'refuse'; errorType: RefusalType; reason: string }
  /** The service should run the just-in-time lookup and decide again with its result. */
  | { kind: 'lookup_directories'; reason: string }
  /** Explain only (dry run): the just-in-time sync would create the account and sign it in. */
  | { kind: 'would_sync'; reason: string };

export type RefusalType =
  | 'sso_provider_disabled'
  | 'sso_account_blocked'
  | 'sso_account_frozen'
  | 'sso_no_account'
  | 'sso_directories_present'
  | 'sso_directory_unavailable'
  | 'sso_ambiguous_match'
  | 'sso_identity_conflict'
  | 'sso_attribute_missing'
  | 'sso_provision_failed'
  /** Not the decision's: the service's, when the IdP's further claims cannot be read. */
  | 'sso_idp_error';

function who(f: DecisionFacts): string {
  return f.identity.username ?? f.identity.email ?? f.identity.subject ?? 'this person';
}

/** Step 1: an account was found; its state decides. */
function existing(f: DecisionFacts, a: CandidateAccount, how: string, link: boolean): Decision {
  if (a.state === 'blocked')
    return {
      kind: 'refuse',
      errorType: 'sso_account_blocked',
      reason: `The account ${a.username} (${how}) is blocked; a blocked account cannot sign in. Contact your People administrators.`,
    };
  if (a.state === 'frozen')
    return {
      kind: 'refuse',
      errorType: 'sso_account_frozen',
      reason: `The account ${a.username} (${how}) is locked after too many failed sign-ins; it cannot sign in until the lock ends or a People administrator lifts it.`,
    };
  return {
    kind: 'sign_in',
    personId: a.id,
    link: link && f.identity.subject !== null,
    reason: `Signed in as ${a.username} (${how}).`,
  };
}

export function decide(f: DecisionFacts): Decision {
  const p = f.provider;
  if (!p.enabled)
    return {
      kind: 'refuse',
      errorType: 'sso_provider_disabled',
      reason: `Sign-in through ${p.name} is turned off.`,
    };

  // 1. Linked identity first, then the match_by keys in order.
  if (f.linked) return existing(f, f.linked, `linked identity at ${p.name}`, false);
  for (const m of f.matches) {
    const value = m.by === 'username' ? f.identity.username : f.identity.email;
    if (value === undefined || m.accounts.length === 0) continue;
    if (f.identity.unverified?.includes(m.by)) continue;
    if (m.accounts.length > 1)
      return {
        kind: 'refuse',
        errorType: 'sso_ambiguous_match',
        reason: `Several accounts have the ${m.by} ${value} (${m.accounts.map((a) => a.username).join(', ')}), so none was chosen.`,
      };
    const a = m.accounts[0]!;
    // An account tied to another identity of this IdP is not taken over by a second one
    // that happens to share its username or email (a renamed or recycled IdP account).
    if (a.linked_to_other_subject && f.identity.subject !== null)
      return {
        kind: 'refuse',
        errorType: 'sso_identity_conflict',
        reason: `The account ${a.username} matches by ${m.by} ${value}, but it is already linked to another identity at ${p.name}; it is not linked to a second one.`,
      };
    return existing(f, a, `matched by ${m.by} ${value}`, true);
  }

  // 2. No account matches.
  const skipped = (f.identity.unverified ?? []).filter((k) => p.match_by.includes(k));
  const unverifiedNote =
    skipped.length === 0
      ? ''
      : ` (${skipped.map((k) => `the ${k} ${(k === 'username' ? f.identity.username : f.identity.email) ?? ''}`).join(' and ')} was not used to match: ${p.name} did not mark it verified)`;
  const directories = f.directoryCount > 0 && !p.provision_even_if_directories;
  let directoryNote = '';
  if (directories) {
    const lookup = f.directoryLookup;
    if (lookup === undefined)
      return {
        kind: 'lookup_directories',
        reason: `No account matches ${who(f)}; looking the person up in the user directories.`,
      };
    if (lookup !== 'unavailable') {
      if (lookup.found && lookup.inScope) {
        const a = f.directoryAccount;
        if (a)
          return existing(f, a, `synced just now from the directory ${lookup.directoryName}`, true);
        if (lookup.personId === null && lookup.reason === undefined)
          // Dry run (explain): the sync would create the account, which then signs in.
          return {
            kind: 'would_sync',
            reason: `No account yet, but the directory ${lookup.directoryName} has ${who(f)} in its sync's scope: the entry would be synced now and the person signed in.`,
          };
        directoryNote = ` The directory ${lookup.directoryName} has the entry, but syncing it failed: ${lookup.reason ?? 'no account resulted'}.`;
      } else if (lookup.found) {
        directoryNote = ` The directory ${lookup.directoryName} has an entry for ${who(f)}, but the sync does not bring it in: ${lookup.why ?? 'it is outside the base DN, the filter or the sync group'}.`;
      } else if (lookup.unavailable && lookup.unavailable.length > 0) {
        // Not knowing is not "not found": no redirect, no refusal that blames the person.
        return {
          kind: 'refuse',
          errorType: 'sso_directory_unavailable',
          reason: `No account matches ${who(f)} yet, and ${lookup.unavailable
            .map((u) => `the directory ${u.directoryName} could not be searched (${u.reason})`)
            .join('; ')}, so it is not known whether the person is in it. Try again later.`,
        };
      } else {
        directoryNote = ` No user directory has an entry for ${who(f)} either.`;
      }
    }
  }

  if (p.not_found_redirect_url !== null && p.not_found_redirect_url !== '')
    return {
      kind: 'redirect',
      url: p.not_found_redirect_url,
      reason: `No account matches ${who(f)}${unverifiedNote}; "URL to redirect to if the user is not found" is set, so the person is sent there and no account is created.${directoryNote}`,
    };
  if (!p.provision_on_first_login)
    return {
      kind: 'refuse',
      errorType: 'sso_no_account',
      reason: `No account exists for ${who(f)}${unverifiedNote}, and this site does not create accounts at first login ("Allow users to be provisioned on first login" is No).${directoryNote}`,
    };
  if (directories)
    return {
      kind: 'refuse',
      errorType: 'sso_directories_present',
      reason: `No account exists for ${who(f)}${unverifiedNote}; this site has ${f.directoryCount} user ${f.directoryCount === 1 ? 'directory' : 'directories'} and "Enable SSO user provisioning even if directories are present" is off, so no account is created.${directoryNote}`,
    };
  if (f.identity.username === undefined || f.identity.username === '')
    return {
      kind: 'refuse',
      errorType: 'sso_attribute_missing',
      reason: `An account would be created, but ${p.name} sent no username${p.username_attribute ? ` (attribute ${p.username_attribute})` : ' (no attribute is mapped to it)'}.`,
    };
  return {
    kind: 'provision',
    reason: `No account matched ${who(f)}${unverifiedNote}; "Allow users to be provisioned on first login" is Yes, so an account was created.`,
  };
}
