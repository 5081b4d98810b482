/**
 * What the first-login decision (decide.ts) is taken on: the account linked to the identity,
 * the accounts its username or email match, whether directories exist and, when asked, what
 * the just-in-time directory lookup found. Reads only.
 */
import type { Store } from '../../store/database.ts';
import type { PersonRow } from '../../store/schema.ts';
import { findPerson, findPersonByUsernameKey, type Executor } from '../../store/people-repo.ts';
import { personForIdentity } from '../../store/identity-repo.ts';
import * as logins from '../../store/sso-login-repo.ts';
import { emailKey, usernameKey } from '../normalize.ts';
import { effectiveState } from '../person.ts';
import type { CandidateAccount, DecisionFacts } from './decide.ts';
import type { MappedValues } from './attributes.ts';
import {
  idpProvider,
  type IdentityProvider,
  type JustInTimeDirectoryLookup,
  type LoginContext,
} from './types.ts';

async function candidate(
  db: Executor,
  provider: IdentityProvider,
  row: PersonRow,
  subject: string | null,
): Promise<CandidateAccount> {
  const subjects = await logins.subjectsOfPerson(db, idpProvider(provider.id), row.id);
  return {
    id: row.id,
    username: row.username,
    state: effectiveState(row),
    linked_to_other_subject: subjects.some((s) => s !== subject),
  };
}

async function matchesOf(
  db: Executor,
  provider: IdentityProvider,
  subject: string | null,
  mapped: MappedValues,
  emailUnique: boolean,
): Promise<DecisionFacts['matches']> {
  const matches: DecisionFacts['matches'] = [];
  for (const by of provider.match_by) {
    let rows: PersonRow[] = [];
    if (mapped.unverified.includes(by)) {
      // Not looked up at all: an unverified value matches nobody (decide.ts says why).
    } else if (by === 'username' && mapped.username) {
      const row = await findPersonByUsernameKey(db, usernameKey(mapped.username));
      rows = row ? [row] : [];
    } else if (by === 'email' && mapped.email) {
      rows = await logins.findPeopleByEmail(
        db,
        mapped.email,
        emailUnique ? emailKey(mapped.email) : null,
      );
    }
    matches.push({
      by,
      accounts: await Promise.all(rows.map((r) => candidate(db, provider, r, subject))),
    });
  }
  return matches;
}

export async function gatherFacts(
  store: Store,
  provider: IdentityProvider,
  subject: string | null,
  mapped: MappedValues,
  emailUnique: boolean,
): Promise<DecisionFacts> {
  const db = store.db;
  let linked: CandidateAccount | null = null;
  if (subject !== null) {
    const id = await personForIdentity(db, idpProvider(provider.id), subject);
    const row = id === undefined ? undefined : await findPerson(db, id);
    if (row) linked = await candidate(db, provider, row, subject);
  }
  const matches = linked ? [] : await matchesOf(db, provider, subject, mapped, emailUnique);
  return {
    provider: {
      name: provider.name,
      enabled: provider.enabled,
      provision_on_first_login: provider.provision_on_first_login,
      not_found_redirect_url: provider.not_found_redirect_url,
      provision_even_if_directories: provider.provision_even_if_directories,
      match_by: provider.match_by,
      username_attribute: provider.attribute_mapping.username ?? null,
    },
    identity: {
      subject,
      username: mapped.username,
      email: mapped.email,
      unverified: mapped.unverified,
    },
    linked,
    matches,
    directoryCount:
      linked || matches.some((m) => m.accounts.length > 0) ? 0 : await logins.countDirectories(db),
  };
}

/** The facts with what the directories know of this person (one search per directory). */
export async function withDirectoryLookup(
  store: Store,
  lookup: JustInTimeDirectoryLookup | undefined,
  facts: DecisionFacts,
  ctx: LoginContext,
  dryRun: boolean,
): Promise<DecisionFacts> {
  if (!lookup) return { ...facts, directoryLookup: 'unavailable' };
  // An unverified value finds nobody in a directory either (it would sign in its owner).
  const unverified = facts.identity.unverified ?? [];
  const by: { username?: string; email?: string } = {};
  if (facts.identity.username && !unverified.includes('username'))
    by.username = facts.identity.username;
  if (facts.identity.email && !unverified.includes('email')) by.email = facts.identity.email;
  const result = await lookup.lookup(by, { ...ctx, dryRun });
  let account: CandidateAccount | null = null;
  if (result.found && result.inScope && result.personId !== null) {
    const row = await findPerson(store.db, result.personId);
    if (row)
      account = {
        id: row.id,
        username: row.username,
        state: effectiveState(row),
        linked_to_other_subject: false,
      };
  }
  return { ...facts, directoryLookup: result, directoryAccount: account };
}
