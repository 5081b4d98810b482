/**
 * One CSV record → one BatchRow for the core. Cells are read in the product's formats
 * (Yes/No, 1, names comma-separated, per-type profile formats); a cell that cannot be read
 * becomes a read error naming its column. An empty cell means "empty" (cleared), except
 * where the documentation says it leaves the value as it is (password, account state,
 * change password next time).
 */
import type { BatchRow } from '../../core/people-batch/index.ts';
import type { FieldError } from '../../core/errors.ts';
import { parseProfileCsv } from '../../core/profile-field-types.ts';
import { fromSpreadsheetSafe } from '../../core/spreadsheet.ts';
import type { ColumnTarget } from './columns.ts';

const YES = new Set(['yes', 'y', '1', 'true', 'active']);
const NO = new Set(['no', 'n', '0', 'false', 'blocked']);

export function splitNames(cell: string): string[] {
  return cell
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * splitNames of a groups or roles cell, remembering the last few cells: most rows of a file
 * name the same few lists, and every row is read on each pass of the core (three in an
 * apply). Each call gets its own array, so a row's list is never shared with another's.
 */
const namesSeen = new Map<string, readonly string[]>();
const NAMES_KEPT = 64;
function namesOf(cell: string): string[] {
  let names = namesSeen.get(cell);
  if (names === undefined) {
    names = splitNames(cell);
    if (namesSeen.size >= NAMES_KEPT) namesSeen.clear();
    namesSeen.set(cell, names);
  }
  return names.slice();
}

/** Converts a record (cells in header order) to a BatchRow; `row` is its spreadsheet row number. */
export function toBatchRow(
  targets: readonly ColumnTarget[],
  cells: readonly string[],
  row: number,
  headerName: (t: ColumnTarget) => string,
): BatchRow {
  const out: BatchRow = { row, username: '', fields: {} };
  const errors: FieldError[] = [];
  let profile: Record<string, unknown> | undefined;
  // A plain loop with no closure per row: this runs for every row on every pass of the core.
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    const message = readCell(
      out,
      t,
      cells[i] ?? '',
      (profile ??= t.kind === 'profile' ? {} : undefined),
    );
    if (message !== undefined) errors.push({ field: headerName(t), message });
  }
  if (profile) out.fields.profile = profile;
  if (errors.length > 0) out.readErrors = errors;
  return out;
}

/** Reads one cell into the row; returns the problem with it, if any. */
function readCell(
  out: BatchRow,
  t: ColumnTarget,
  raw: string,
  profile: Record<string, unknown> | undefined,
): string | undefined {
  if (t.kind === 'profile') {
    const r = parseProfileCsv(t.def, fromSpreadsheetSafe(raw));
    if (!r.ok) return r.message;
    profile![t.def.name] = r.value;
    return undefined;
  }
  // Passwords are taken exactly as written: the export never writes them, so they carry
  // no spreadsheet-safety apostrophe to remove, and spaces may be part of a password.
  if (t.column === 'password') {
    if (raw !== '') out.password = raw;
    return undefined;
  }
  const cell = fromSpreadsheetSafe(raw);
  const v = cell.trim();
  switch (t.column) {
    case 'id':
      // For reference only: username is the key.
      if (v !== '' && !/^\d+$/.test(v)) return 'Must be a numeric id, or empty.';
      return undefined;
    case 'username':
      out.username = cell;
      return undefined;
    case 'password_hash':
      if (v !== '') out.password_hash = v;
      return undefined;
    case 'firstname':
    case 'surname':
    case 'email':
    case 'job_title':
    case 'department':
    case 'office':
    case 'phone':
    case 'mobile':
      out.fields[t.column] = cell;
      return undefined;
    case 'user_code':
      out.fields.user_code = v === '' ? null : v;
      return undefined;
    case 'state': {
      const k = v.toLowerCase();
      if (k === '') return undefined;
      if (YES.has(k)) out.state = 'active';
      else if (NO.has(k)) out.state = 'blocked';
      else return 'Must be Yes (active) or No (blocked).';
      return undefined;
    }
    case 'must_change_password': {
      const k = v.toLowerCase();
      if (k === '') return undefined;
      if (YES.has(k)) out.fields.must_change_password = true;
      else if (NO.has(k)) out.fields.must_change_password = false;
      else return 'Must be 1 (change at next sign-in), 0, or empty.';
      return undefined;
    }
    case 'manager':
      if (v === '') out.manager = null;
      else if (/^\d+$/.test(v)) out.manager = { id: Number(v) };
      else out.manager = { username: v };
      return undefined;
    case 'extranet':
      out.extranet = v === '' ? null : v;
      return undefined;
    case 'roles':
      out.roles = namesOf(v);
      return undefined;
    case 'groups':
      out.groups = namesOf(v);
      return undefined;
  }
  return undefined;
}
