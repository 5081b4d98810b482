/**
 * A stored LDAP directory (the core's DirectoryRecord) as the protocol layer's connection and
 * search, and as the sync's EntrySource: the gate turns what it reads into the core's entries,
 * and the core decides what happens to each account.
 */
import type { Core } from '../../core/index.ts';
import type { DirectoryRecord } from '../../core/directories.ts';
import { fail } from '../../core/errors.ts';
import type { EntrySource } from '../../core/sync/run.ts';
import type { DirectoryEntry, DirectoryGroupEntry } from '../../core/sync/types.ts';
import type { LdapDirectorySettings } from '../../core/sync/directory-config.ts';
import { readGroups } from './groups.ts';
import { LDAP_PRESETS } from './presets.ts';
import { normalizeDn } from './scope.ts';
import { readMappedUsers } from './search.ts';
import { currentWatermark, readDeletedSince } from './watermark.ts';
import type { LdapConnectionSettings, LdapUserSearch } from './types.ts';

export interface LdapTarget {
  directory: DirectoryRecord & { type: 'ldap' };
  settings: LdapDirectorySettings;
  conn: LdapConnectionSettings;
  search: LdapUserSearch;
}

export function searchOf(s: LdapDirectorySettings): LdapUserSearch {
  return {
    baseDn: s.base_dn,
    userFilter: s.user_filter,
    idAttribute: s.id_attribute,
    usernameAttribute: s.username_attribute,
    attributes: [...new Set(Object.values(s.mapping).filter((a) => a !== ''))],
    syncGroupDn: s.sync_group_dn ?? undefined,
    activeDirectory: s.active_directory,
  };
}

export async function ldapTarget(core: Core, directoryId: number): Promise<LdapTarget> {
  const directory = await core.directories.get(directoryId);
  if (directory.type !== 'ldap')
    fail(
      'directory_type_mismatch',
      'This is a SCIM directory: its identity provider pushes changes, there is nothing to read.',
    );
  const s = directory.ldap;
  return {
    directory,
    settings: s,
    conn: {
      url: s.url,
      startTls: s.start_tls,
      caPem: s.ca_certificate ?? undefined,
      bindDn: s.bind_dn,
      bindPassword: await core.directories.bindPassword(directoryId),
    },
    search: searchOf(s),
  };
}

/**
 * Every entry in scope, mapped (or, with a watermark, those changed since); any failed or
 * partial read throws, and the run then blocks nobody. AD also says which entries were
 * deleted since (Deleted Objects); OpenLDAP cannot, so its deletions wait for a full run.
 */
export function ldapEntrySource(
  t: LdapTarget,
  opts: { groupRangeStep?: number } = {},
): EntrySource {
  const groupBase = t.settings.group_base_dn;
  return {
    ...(groupBase
      ? { readGroups: (entries: DirectoryEntry[]) => ldapGroups(t, groupBase, entries, opts) }
      : {}),
    async *read(changedSince?: string) {
      yield* readMappedUsers(t.conn, t.search, t.settings.mapping, { changedSince });
    },
    watermark: () => currentWatermark(t.conn, t.search),
    deletedSince: async (mark: string) =>
      t.search.activeDirectory ? readDeletedSince(t.conn, t.search, mark) : undefined,
  };
}

/**
 * The directory's groups under the group base DN, members named by the stable ids of this
 * run's entries (a member DN that is not one of them — out of scope, or not a user — is not
 * a member here). `groupRangeStep` asks for member ranges of that size (tests: Samba never
 * forces ranges, Windows AD does from 1,500 members).
 */
async function ldapGroups(
  t: LdapTarget,
  baseDn: string,
  entries: DirectoryEntry[],
  opts: { groupRangeStep?: number },
): Promise<DirectoryGroupEntry[]> {
  const byDn = new Map<string, string>();
  for (const e of entries) if (e.dn) byDn.set(normalizeDn(e.dn), e.externalId);
  const preset = t.settings.active_directory
    ? LDAP_PRESETS.active_directory
    : LDAP_PRESETS.openldap;
  const groups = await readGroups(
    t.conn,
    { baseDn, filter: t.settings.group_filter ?? preset.groupFilter },
    (dn) => byDn.get(dn),
    {
      activeDirectory: t.settings.active_directory,
      idAttribute: t.settings.id_attribute,
      ...(opts.groupRangeStep ? { rangeStep: opts.groupRangeStep } : {}),
    },
  );
  return groups.map((g) => ({
    externalId: g.id,
    name: g.name,
    label: g.dn,
    memberExternalIds: g.memberUserIds,
    memberGroupExternalIds: g.memberGroupIds,
  }));
}
