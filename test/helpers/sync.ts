/**
 * What the core sync tests share: an LDAP directory that no test connects to (the entries
 * are handed to the runner as the LDAP gate hands them), a source of those entries, and a
 * run with the usual options.
 */
import type { Actor } from '../../src/core/context.ts';
import type { App } from '../../src/app.ts';
import type { DirectoryInput, DirectoryRecord } from '../../src/core/directories.ts';
import type { LdapDirectorySettings } from '../../src/core/sync/directory-config.ts';
import type { DirectoryEntry } from '../../src/core/sync/types.ts';
import type { EntrySource, RunOptions } from '../../src/core/sync/run.ts';

export const SYNC_TESTER: Actor = { personId: null, label: 'tester', gate: 'api' };

/** OpenLDAP settings on a port nothing listens on; `ldap` replaces any of them. */
export function offlineLdapDirectory(
  name: string,
  ldap: Partial<LdapDirectorySettings> = {},
): DirectoryInput {
  return {
    type: 'ldap',
    name,
    adopt_local_accounts: true,
    max_block_percent: 10,
    schedule: null,
    ldap: {
      url: 'ldap://127.0.0.1:1',
      start_tls: false,
      ca_certificate: null,
      bind_dn: 'cn=admin,dc=example,dc=org',
      base_dn: 'dc=example,dc=org',
      user_filter: '(objectClass=inetOrgPerson)',
      id_attribute: 'entryUUID',
      username_attribute: 'uid',
      active_directory: false,
      mapping: { firstname: 'givenName', surname: 'sn', email: 'mail' },
      sync_group_dn: null,
      group_base_dn: null,
      group_filter: null,
      ...ldap,
    },
  };
}

/** The entries in one page, or in pages of `pageSize`. */
export function entrySource(entries: DirectoryEntry[], pageSize?: number): EntrySource {
  return {
    // eslint-disable-next-line @typescript-eslint/require-await
    async *read() {
      if (pageSize === undefined) yield entries;
      else for (let i = 0; i < entries.length; i += pageSize) yield entries.slice(i, i + pageSize);
    },
  };
}

export const MANUAL_RUN: RunOptions = { dryRun: false, confirmMassBlock: false, trigger: 'manual' };

/** A run of `dir` by the tester over `entries` (or a source), with MANUAL_RUN's options. */
export function syncRun(
  app: App,
  dir: DirectoryRecord,
  entries: DirectoryEntry[] | EntrySource,
  opts: Partial<RunOptions> = {},
) {
  return app.core.syncRunner.run(
    SYNC_TESTER,
    dir,
    Array.isArray(entries) ? entrySource(entries) : entries,
    { ...MANUAL_RUN, ...opts },
  );
}
