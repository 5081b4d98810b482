/**
 * What a directory gate (LDAP, SCIM, SSO's just-in-time lookup) hands the core: one entry
 * as the directory describes it, already mapped to Gatehouse's fields. The core decides
 * what happens to the account (DESIGN.md, "Directory sync").
 */

/** Fields of a person a directory may map and own (besides the username). */
export const SYNCABLE_FIELDS = [
  'firstname',
  'surname',
  'email',
  'user_code',
  'job_title',
  'department',
  'office',
  'phone',
  'mobile',
] as const;
export type SyncableField = (typeof SYNCABLE_FIELDS)[number];

export interface DirectoryEntry {
  /** The stable id: entryUUID, objectGUID as a GUID string, the id a SCIM client was given. */
  externalId: string;
  username: string;
  /** Only the mapped fields; a field left out is not touched. */
  fields: Partial<Record<SyncableField, string>>;
  /** Profile field name → value, mapped ones only. */
  profile: Record<string, string>;
  /** The manager as the directory names it; undefined when the mapping has no manager. */
  manager?: { kind: 'dn' | 'external_id'; ref: string } | null;
  /** LDAP only: the entry's DN (managers are named by DN). */
  dn?: string;
  /** False when disabled or deactivated in the directory: the account is blocked by it. */
  active: boolean;
}

export type EntryAction =
  'created' | 'adopted' | 'updated' | 'renamed' | 'blocked' | 'reactivated' | 'unchanged' | 'error';

export interface EntryOutcome {
  action: EntryAction;
  personId: number | null;
  changes: Record<string, [unknown, unknown]>;
  /** A catalogue type and a sentence naming the problem, when action is 'error'. */
  error?: { type: string; message: string };
}

/** The provider key of a directory's identity links in external_identities. */
export function directoryProvider(directoryId: number): string {
  return `directory:${directoryId}`;
}

/** An entry refused with a catalogue type and a sentence; nothing of it is applied. */
export function entryError(
  type: string,
  message: string,
  personId: number | null = null,
): EntryOutcome {
  return { action: 'error', personId, changes: {}, error: { type, message } };
}

/** One group as the directory describes it: its members named by stable ids. */
export interface DirectoryGroupEntry {
  /** The group's stable id (entryUUID, objectGUID): a renamed group stays the same group. */
  externalId: string;
  name: string;
  /** How the run report names it (LDAP: its DN). */
  label: string;
  /** Stable ids of the member entries (users); members the run did not read are left out. */
  memberExternalIds: string[];
  /** Stable ids of the member groups among the groups read. */
  memberGroupExternalIds: string[];
}

/** What a run did to the directory's groups (RunReport.groups). */
export interface GroupCounts {
  created: number;
  renamed: number;
  members_added: number;
  members_removed: number;
  /** Groups put inside another group, or back at the top level (the directory's nesting). */
  nesting_changed: number;
  removed: number;
  errors: number;
}

export function emptyGroupCounts(): GroupCounts {
  return {
    created: 0,
    renamed: 0,
    members_added: 0,
    members_removed: 0,
    nesting_changed: 0,
    removed: 0,
    errors: 0,
  };
}
