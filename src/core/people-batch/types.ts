/**
 * The records of a batch: its rows, outcomes and summary (the public API, exported again by
 * index.ts), and what is held of a row while it is planned and written.
 */
import type { Changes } from '../../audit/record.ts';
import type { NewPersonRow, PersonRow, PersonRowUpdate } from '../../store/schema.ts';
import type { FieldError } from '../errors.ts';
import type { PersonFields } from '../person.ts';

export interface BatchRow {
  /** Row number in the source (for reports), e.g. the CSV line. */
  row: number;
  username: string;
  fields: Omit<PersonFields, 'username' | 'manager_id' | 'extranet_id'>;
  /** Manager by id or username; null clears; undefined leaves as is. */
  manager?: { id: number } | { username: string } | null;
  /** Extranet area by name; null = primary area; undefined leaves as is. */
  extranet?: string | null;
  groups?: string[];
  roles?: string[];
  state?: 'active' | 'blocked';
  password?: string;
  password_hash?: string;
  /** Errors the gate found while reading the row (bad format of a cell). */
  readErrors?: FieldError[];
}

export type RowAction = 'create' | 'update' | 'unchanged' | 'error';

export interface RowOutcome {
  row: number;
  username: string;
  action: RowAction;
  person_id: number | null;
  changes?: Changes;
  errors?: FieldError[];
}

export interface BatchSummary {
  rows: number;
  create: number;
  update: number;
  unchanged: number;
  error: number;
}

export interface BatchResult {
  applied: boolean;
  summary: BatchSummary;
  outcomes: RowOutcome[];
}

/** Rows of a batch, taken a slice at a time (an array is one). */
export interface BatchSource {
  readonly length: number;
  slice(start: number, end: number): BatchRow[];
}

/** A row planned in full: lives only while its slice is planned or written. */
export interface Planned {
  input: BatchRow;
  outcome: RowOutcome;
  existing?: PersonRow;
  newRow?: NewPersonRow;
  update?: PersonRowUpdate;
  /** Manager by id, resolved while planning (null clears). */
  managerId?: number | null;
  /** Username key of a manager created by this same batch: its id is known only when written. */
  managerPending?: string;
  groupIds?: number[];
  roleIds?: number[];
}

/**
 * What is kept of a planned row until the batch ends: its outcome, and what the cross-row
 * rules and the write need. A row to create keeps no record: it is planned again when written.
 */
export interface Kept {
  outcome: RowOutcome;
  /** The row creates a person (even if it has errors: another row may name it as manager). */
  creates?: true;
  managerId?: number | null;
  managerPending?: string;
  /** User-select profile values given by the row (must name people who exist). */
  userRefs?: { name: string; id: number }[];
  /** A plaintext password to hash before writing. */
  password?: true;
  /** For an update: the stored person as planned, and the change to write. */
  existing?: { id: number; version: number; username: string; manager_id: number | null };
  update?: PersonRowUpdate;
  groupIds?: number[];
  roleIds?: number[];
}

/** The row writes something: it creates or updates a person. */
export const isWork = (k: Kept) => k.outcome.action === 'create' || k.outcome.action === 'update';
