/**
 * The LDAP / Active Directory protocol layer's public types. The core's sync engine
 * (src/core/sync, src/gates/ldap/sync-gate.ts) and SSO's bind sign-in code against these;
 * the functions live beside them in client.ts, search.ts, groups.ts, bind.ts, map-raw.ts.
 */
import type { DirectoryEntry } from '../../core/sync/types.ts';

export interface LdapConnectionSettings {
  /** ldap:// or ldaps:// */
  url: string;
  startTls: boolean;
  /** Extra CA certificate(s), PEM, trusted in addition to the system store. */
  caPem?: string | undefined;
  bindDn: string;
  bindPassword: string;
  /** Connect + operation timeout, default 10 s. */
  timeoutMs?: number;
}

export interface LdapUserSearch {
  baseDn: string;
  userFilter: string;
  /** entryUUID | objectGUID | … */
  idAttribute: string;
  /** uid | sAMAccountName | … */
  usernameAttribute: string;
  /** The mapped attributes to read. */
  attributes: string[];
  /** Only (nested) members of this group. */
  syncGroupDn?: string | undefined;
  /** Simple Paged Results page size, default 500. */
  pageSize?: number;
  /**
   * AD rules: objectGUID binary → GUID string, userAccountControl bit 2 = disabled
   * (lockout is NOT disabled), uSNChanged for incremental reads.
   */
  activeDirectory: boolean;
}

/** An entry mapped for Gatehouse (map-raw.ts): a DirectoryEntry that always has its DN. */
export type MappedEntry = DirectoryEntry & { dn: string };

/** An entry with every attribute read, as text (the protocol layer's generic read). */
export interface LdapUserEntry {
  dn: string;
  /** Stable id as text (objectGUID in the usual GUID string form, lower case). */
  id: string;
  username: string;
  /** Lower-cased attribute names → values. */
  attributes: Record<string, string[]>;
  disabled: boolean;
}

export type LdapErrorKind =
  | 'connection_refused'
  | 'timeout'
  | 'tls'
  | 'invalid_credentials'
  | 'base_dn_not_found'
  | 'bad_filter'
  | 'size_limit'
  | 'partial_results'
  | 'account_disabled'
  | 'password_expired'
  | 'password_must_change'
  | 'account_locked'
  | 'other';

/** Every failure of the layer; `message` is a sentence an admin can act on. */
export class LdapError extends Error {
  constructor(
    readonly kind: LdapErrorKind,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'LdapError';
  }
}

export interface LdapGroupSearch {
  baseDn: string;
  filter: string;
}

export interface LdapGroup {
  id: string;
  name: string;
  dn: string;
  memberUserIds: string[];
  memberGroupIds: string[];
}

export interface TestConnectionResult {
  entriesSeen: number;
  /** The first entries, mapped as the sync maps them. */
  sample: MappedEntry[];
  missingAttributes: string[];
}

export type VerifyPasswordResult =
  { ok: true; entry: MappedEntry } | { ok: false; kind: LdapErrorKind; message: string };

/** `{ [gatehouseField | 'profile.<name>' | 'manager_id']: attributeName }` */
export type LdapAttributeMapping = Record<string, string>;

export interface LdapPreset {
  idAttribute: string;
  usernameAttribute: string;
  userFilter: string;
  groupFilter: string;
  activeDirectory: boolean;
  mapping: LdapAttributeMapping;
}
