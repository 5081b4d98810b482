/**
 * Which entries a user search covers: the configured filter, narrowed to the (nested)
 * members of the sync group when one is set, and to changed entries for an incremental
 * read. Two ways to resolve nesting, both measured (docs/sync.md):
 * - 'walk': find the groups nested in the sync group by their memberOf (one search per
 *   level), then ask for users that are memberOf any of them. Works on OpenLDAP (memberof
 *   overlay) and AD alike.
 * - 'in_chain': AD's LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941) in the filter,
 *   the server walks the tree for every candidate entry.
 */
import type { Client } from 'ldapts';
import { toLdapError } from './errors.ts';
import { escapeFilterValue } from './escape.ts';
import { LdapError, type LdapConnectionSettings, type LdapUserSearch } from './types.ts';

export type NestingStrategy = 'walk' | 'in_chain';

export const AD_IN_CHAIN = '1.2.840.113556.1.4.1941';
/** Group object classes a sync group and its nested groups may have. */
export const GROUP_FILTER =
  '(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))';
/** Above this many nested groups, the user search is split into several OR filters. */
const GROUPS_PER_FILTER = 100;

export function wrapFilter(filter: string): string {
  const f = filter.trim();
  return f.startsWith('(') ? f : `(${f})`;
}

export function andFilter(...parts: (string | undefined)[]): string {
  const present = parts
    .filter((p): p is string => p !== undefined && p.trim() !== '')
    .map(wrapFilter);
  if (present.length === 1) return present[0] ?? '';
  return `(&${present.join('')})`;
}

export function changedSinceFilter(
  search: LdapUserSearch,
  watermark: string | undefined,
): string | undefined {
  if (watermark === undefined) return undefined;
  if (search.activeDirectory) {
    if (!/^\d+$/.test(watermark))
      throw new LdapError('other', `The watermark ${watermark} is not an AD USN; run a full sync.`);
    return `(uSNChanged>=${watermark})`;
  }
  if (!/^\d{14}(\.\d+)?Z$/.test(watermark))
    throw new LdapError(
      'other',
      `The watermark ${watermark} is not a generalized time; run a full sync.`,
    );
  return `(modifyTimestamp>=${watermark.replace(/\.\d+Z$/, 'Z')})`;
}

/** DNs of the sync group and every group nested in it (any depth, loops tolerated). */
export async function nestedGroupDns(
  client: Client,
  conn: LdapConnectionSettings,
  groupDn: string,
): Promise<string[]> {
  const seen = new Map<string, string>([[groupDn.toLowerCase(), groupDn]]);
  // The group must exist: a typo would otherwise sync nobody and block everyone.
  try {
    const r = await client.search(groupDn, {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['1.1'],
    });
    if (r.searchEntries.length === 0)
      throw new LdapError(
        'base_dn_not_found',
        `The sync group ${groupDn} was not found in the directory.`,
      );
  } catch (err) {
    const e = toLdapError(err, { url: conn.url, baseDn: groupDn, phase: 'search' });
    if (e.kind === 'base_dn_not_found')
      throw new LdapError(
        'base_dn_not_found',
        `The sync group ${groupDn} was not found in the directory: check its DN.`,
        err,
      );
    throw e;
  }
  const root = namingContextOf(groupDn);
  let frontier = [groupDn];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (let i = 0; i < frontier.length; i += GROUPS_PER_FILTER) {
      const chunk = frontier.slice(i, i + GROUPS_PER_FILTER);
      const filter = andFilter(
        GROUP_FILTER,
        orOf(chunk.map((dn) => `(memberOf=${escapeFilterValue(dn)})`)),
      );
      try {
        for await (const page of client.searchPaginated(root, {
          scope: 'sub',
          filter,
          attributes: ['1.1'],
          paged: { pageSize: 500 },
        })) {
          for (const e of page.searchEntries) {
            const key = e.dn.toLowerCase();
            if (!seen.has(key)) {
              seen.set(key, e.dn);
              next.push(e.dn);
            }
          }
        }
      } catch (err) {
        throw toLdapError(err, { url: conn.url, baseDn: root, filter, phase: 'search' });
      }
    }
    frontier = next;
  }
  return [...seen.values()];
}

/** The domain part of a DN (its trailing dc= components), where nested groups are looked for. */
export function namingContextOf(dn: string): string {
  const parts = splitDn(dn);
  const dcs: string[] = [];
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i] ?? '';
    if (!/^dc=/i.test(p.trim())) break;
    dcs.unshift(p.trim());
  }
  return dcs.length > 0 ? dcs.join(',') : dn;
}

/** Splits a DN at unescaped commas. */
export function splitDn(dn: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i];
    if (c === '\\') {
      cur += c + (dn[i + 1] ?? '');
      i++;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Lower-cased, no spaces around separators: the form DNs are compared in. */
export function normalizeDn(dn: string): string {
  return splitDn(dn)
    .map((rdn) =>
      rdn
        .trim()
        .replace(/\s*=\s*/, '=')
        .toLowerCase(),
    )
    .join(',');
}

function orOf(parts: string[]): string {
  return parts.length === 1 ? (parts[0] ?? '') : `(|${parts.join('')})`;
}

/**
 * The filters whose union is the search's scope (several when a large group tree is split),
 * each already combined with the user filter and the changed-since condition.
 */
export async function scopeFilters(
  client: Client,
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  extra: string | undefined,
  strategy: NestingStrategy = defaultStrategy(search),
): Promise<string[]> {
  const base = andFilter(search.userFilter, extra);
  if (!search.syncGroupDn) return [base];
  if (strategy === 'in_chain') {
    if (!search.activeDirectory)
      throw new LdapError('other', 'The in-chain matching rule is an Active Directory feature.');
    return [andFilter(base, `(memberOf:${AD_IN_CHAIN}:=${escapeFilterValue(search.syncGroupDn)})`)];
  }
  const groups = await nestedGroupDns(client, conn, search.syncGroupDn);
  const filters: string[] = [];
  for (let i = 0; i < groups.length; i += GROUPS_PER_FILTER) {
    const chunk = groups.slice(i, i + GROUPS_PER_FILTER);
    filters.push(andFilter(base, orOf(chunk.map((dn) => `(memberOf=${escapeFilterValue(dn)})`))));
  }
  return filters;
}

/** Chosen from the measurements in docs/sync.md. */
export function defaultStrategy(_search: LdapUserSearch): NestingStrategy {
  return 'walk';
}
