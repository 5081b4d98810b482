/** What a gate can add to the core's write of one directory entry (apply-entry.ts). */
import type { Transaction } from 'kysely';
import type { DB, NewAuditEventRow } from '../../store/schema.ts';
import type { IdentityRow } from '../../store/identity-repo.ts';
import type { EntryOutcome } from './types.ts';

type Tx = Transaction<DB>;

/** A new account's rows that the core leaves to the gate's `created` hook to write. */
export interface CreatedRows {
  /** The account's identity link. */
  link: IdentityRow;
  /** The account's `person.create` audit event. */
  audit: NewAuditEventRow;
}

/**
 * What a gate adds to an entry's transaction, so that its own rows commit with the account
 * or not at all (SCIM's resource row: one transaction per request, not three).
 */
export interface EntryHooks {
  /** First in the transaction (a claim, a version check); what it throws refuses the entry. */
  before?(tx: Tx): Promise<void>;
  /** Last, with the account the entry ended with; never for a refused entry or a dry run. */
  after?(tx: Tx, outcome: EntryOutcome): Promise<void>;
  /**
   * Instead of `after` when the entry made a new account: the gate writes its rows together
   * with the account's identity link and audit event, which the core made and leaves to it
   * (SCIM: one statement on PostgreSQL, where each statement is a round trip;
   * bench/scim.bench.ts). It must write both `rows`, in this transaction.
   */
  created?(tx: Tx, outcome: EntryOutcome, rows: CreatedRows): Promise<void>;
}

export interface ApplyOptions {
  dryRun?: boolean;
  /** The entry's stable id was made just now (a SCIM create): nothing can be linked to it. */
  newEntry?: boolean;
  managerId?: number | null;
  liveLinks?: ReadonlySet<string>;
  hooks?: EntryHooks;
}
