/**
 * One person's entry for SSO's just-in-time sync: found by the mapped username or email, and
 * whether the sync would bring it in. The common case (the entry is in scope) is one search
 * with the sync's own filters; only when that finds nothing do further searches say whether
 * the entry exists elsewhere and why the sync leaves it out (for the refusal's sentence).
 */
import type { Client } from 'ldapts';
import { toLdapError } from './errors.ts';
import { escapeFilterValue } from './escape.ts';
import { andFilter, namingContextOf, normalizeDn, scopeFilters } from './scope.ts';
import { mappedEntriesUnder } from './search.ts';
import type {
  LdapAttributeMapping,
  LdapConnectionSettings,
  LdapUserSearch,
  MappedEntry,
} from './types.ts';

export type LoginLookup =
  | { kind: 'none' }
  | { kind: 'in_scope'; entry: MappedEntry }
  | { kind: 'out_of_scope'; why: string };

export interface LoginKeys {
  username?: string | undefined;
  email?: string | undefined;
}

/** `(|(uid=…)(mail=…))`: the person by either key; undefined when there is neither. */
export function loginFilter(
  search: LdapUserSearch,
  emailAttribute: string,
  by: LoginKeys,
): string | undefined {
  const alternatives: string[] = [];
  const username = by.username?.trim();
  const email = by.email?.trim();
  if (username) {
    alternatives.push(`(${search.usernameAttribute}=${escapeFilterValue(username)})`);
    // AD people often sign in at the IdP with their UPN, which is not sAMAccountName.
    if (search.activeDirectory)
      alternatives.push(`(userPrincipalName=${escapeFilterValue(username)})`);
  }
  if (email) alternatives.push(`(${emailAttribute}=${escapeFilterValue(email)})`);
  if (alternatives.length === 0) return undefined;
  return alternatives.length === 1 ? alternatives[0] : `(|${alternatives.join('')})`;
}

function underBase(dn: string, baseDn: string): boolean {
  const d = normalizeDn(dn);
  const b = normalizeDn(baseDn);
  return d === b || d.endsWith(`,${b}`);
}

/**
 * The entry in scope is mapped with the directory's `mapping`, as the sync maps it. Throws an
 * LdapError when the directory cannot be searched (down, bind refused, bad filter): the
 * caller then knows nothing, which is not "not found".
 */
export async function lookupForLogin(
  client: Client,
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  mapping: LdapAttributeMapping,
  by: LoginKeys,
): Promise<LoginLookup> {
  const who = loginFilter(search, mapping.email || 'mail', by);
  if (who === undefined) return { kind: 'none' };
  const inScope = await mappedEntriesUnder(
    client,
    conn,
    search,
    mapping,
    search.baseDn,
    await scopeFilters(client, conn, search, who),
  );
  if (inScope.length > 1) {
    const wanted = by.username?.trim().toLowerCase();
    const exact = inScope.filter((e) => e.username.toLowerCase() === wanted);
    if (exact.length === 1 && exact[0]) return { kind: 'in_scope', entry: exact[0] };
    return {
      kind: 'out_of_scope',
      why: `${inScope.length} entries match (${inScope.map((e) => e.dn).join('; ')}), so none is taken: make usernames and email addresses unique in the directory`,
    };
  }
  if (inScope[0]) return { kind: 'in_scope', entry: inScope[0] };
  return explainOutOfScope(client, conn, search, who);
}

/** Not in scope: is the entry there at all, and which part of the scope leaves it out? */
async function explainOutOfScope(
  client: Client,
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  who: string,
): Promise<LoginLookup> {
  const root = namingContextOf(search.baseDn);
  let anywhere: MappedEntry[];
  try {
    // Ids and usernames only; what the sync would read does not matter out of scope.
    anywhere = await mappedEntriesUnder(client, conn, { ...search, attributes: [] }, {}, root, [
      who,
    ]);
  } catch (err) {
    // The scoped search worked, so the directory is up; the wider one may be out of the
    // reader's rights. Unknown means not found here: the refusal says no directory has it.
    void toLdapError(err, { url: conn.url, baseDn: root, filter: who, phase: 'search' });
    return { kind: 'none' };
  }
  const [entry] = anywhere;
  if (!entry) return { kind: 'none' };
  if (!underBase(entry.dn, search.baseDn))
    return { kind: 'out_of_scope', why: `${entry.dn} is not under the base DN ${search.baseDn}` };
  if (search.syncGroupDn) {
    const byFilter = await mappedEntriesUnder(
      client,
      conn,
      { ...search, attributes: [] },
      {},
      search.baseDn,
      [andFilter(search.userFilter, who)],
    );
    if (byFilter.length > 0)
      return {
        kind: 'out_of_scope',
        why: `${entry.dn} is not a member of the sync group ${search.syncGroupDn}`,
      };
  }
  return {
    kind: 'out_of_scope',
    why: `${entry.dn} does not match the sync's filter ${search.userFilter}`,
  };
}
