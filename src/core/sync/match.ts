/**
 * Which account a directory entry is, by the rules of DESIGN.md ("Directory sync"): its
 * identity link first (the stable id survives renames and moves); else, by username, the
 * directory's own account that lost its link (it came back with a new stable id, or a run was
 * cut before linking it), a local account to adopt when the directory may, or nobody (a new
 * account). Any other holder of the username is an error for that entry alone.
 */
import type { PersonRow } from '../../store/schema.ts';

/** What the rules read of an account: a whole row, or the plan's columns of one. */
type Matched = Pick<PersonRow, 'directory_id'>;

export type Match<P extends Matched = PersonRow> =
  | { kind: 'linked'; person: P }
  | { kind: 'relink'; person: P; oldLink: string | undefined }
  | { kind: 'adopt'; person: P }
  | { kind: 'create' }
  | { kind: 'conflict'; message: string };

export interface MatchInput<P extends Matched = PersonRow> {
  directoryId: number;
  adoptLocal: boolean;
  /** The person the entry's stable id is linked to, if any. */
  linked: P | undefined;
  /** The account holding the entry's username, if any. */
  byUsername: P | undefined;
  /** That account's link in this directory, if it has one. */
  byUsernameLink: string | undefined;
  /** True when that link's entry is also in the directory now (two entries, one username). */
  byUsernameLinkLive: boolean;
  /** Name of the directory owning `byUsername`, for the error sentence. */
  ownerName: string | undefined;
  /** Whether `byUsername` holds an administration grant. */
  holderIsAdministrator?: boolean;
}

export function matchEntry<P extends Matched>(m: MatchInput<P>, username: string): Match<P> {
  if (m.linked) return { kind: 'linked', person: m.linked };
  const p = m.byUsername;
  if (!p) return { kind: 'create' };
  if (p.directory_id === m.directoryId) {
    if (m.byUsernameLink !== undefined && m.byUsernameLinkLive)
      return {
        kind: 'conflict',
        message: `Another entry of this directory already has the username "${username}".`,
      };
    return { kind: 'relink', person: p, oldLink: m.byUsernameLink };
  }
  if (p.directory_id !== null)
    return {
      kind: 'conflict',
      message: `The username "${username}" belongs to an account of the directory "${m.ownerName ?? `#${p.directory_id}`}"; a directory never takes another's accounts.`,
    };
  if (!m.adoptLocal)
    return {
      kind: 'conflict',
      message: `A local account already has the username "${username}", and this directory does not adopt local accounts. Turn on adopt_local_accounts, or rename one of them.`,
    };
  // An administrator's account is never handed to a directory: whoever controls the
  // directory (or a SCIM client's token) would then control Gatehouse's administration.
  if (m.holderIsAdministrator)
    return {
      kind: 'conflict',
      message: `The local account "${username}" is an administrator's, and a directory never takes over an administrator's account. Remove its administration grants first, or give one of them another username.`,
    };
  return { kind: 'adopt', person: p };
}
