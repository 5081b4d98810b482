/**
 * The CSV columns: their export spellings ("symbolic names", the original product's
 * conventions), the header spellings accepted on import, and how a header row maps onto
 * them. One table serves both directions, so the export is always the import's template.
 */
import type { ProfileFieldDef } from '../../core/profile-field-types.ts';

export type BuiltinColumn =
  | 'id'
  | 'username'
  | 'password'
  | 'password_hash'
  | 'firstname'
  | 'surname'
  | 'email'
  | 'user_code'
  | 'job_title'
  | 'department'
  | 'office'
  | 'phone'
  | 'mobile'
  | 'state'
  | 'must_change_password'
  | 'manager'
  | 'extranet'
  | 'roles'
  | 'groups';

/** Export spelling, and other spellings accepted on import (compared after `headerKey`). */
export const BUILTIN_COLUMNS: readonly {
  column: BuiltinColumn;
  header: string;
  aliases: string[];
}[] = [
  { column: 'id', header: 'id', aliases: ['user id', 'userid'] },
  { column: 'username', header: 'username', aliases: ['user name', 'login'] },
  { column: 'password', header: 'password', aliases: [] },
  { column: 'password_hash', header: 'password_hash', aliases: ['passwordhash'] },
  { column: 'firstname', header: 'firstname', aliases: ['first name', 'given name'] },
  {
    column: 'surname',
    header: 'surname',
    aliases: ['last name', 'lastname', 'family name'],
  },
  { column: 'email', header: 'email', aliases: ['e mail', 'email address'] },
  { column: 'user_code', header: 'user_code', aliases: ['usercode'] },
  { column: 'job_title', header: 'job_title', aliases: ['jobtitle', 'title'] },
  { column: 'department', header: 'department', aliases: [] },
  { column: 'office', header: 'office', aliases: [] },
  { column: 'phone', header: 'phone', aliases: ['telephone'] },
  { column: 'mobile', header: 'mobile', aliases: ['mobile phone'] },
  {
    column: 'state',
    header: 'account state',
    aliases: ['accountstate', 'state', 'account status'],
  },
  {
    column: 'must_change_password',
    header: 'change password next time',
    aliases: ['must change password', 'change password'],
  },
  { column: 'manager', header: 'manager', aliases: ['manager id', 'managerid'] },
  { column: 'extranet', header: 'extranet', aliases: ['extranet area'] },
  { column: 'roles', header: 'roles', aliases: ['role'] },
  { column: 'groups', header: 'groups', aliases: ['group'] },
];

/** Columns written by the export, in order (profile fields follow). */
export const EXPORT_COLUMNS: readonly BuiltinColumn[] = BUILTIN_COLUMNS.map((c) => c.column).filter(
  (c) => c !== 'password_hash',
);

export function exportHeader(column: BuiltinColumn): string {
  return BUILTIN_COLUMNS.find((c) => c.column === column)!.header;
}

/** Headers are compared case-insensitively, with spaces, underscores and hyphens alike. */
export function headerKey(header: string): string {
  return header
    .normalize('NFKC')
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}

export type ColumnTarget =
  { kind: 'builtin'; column: BuiltinColumn } | { kind: 'profile'; def: ProfileFieldDef };

export interface HeaderMap {
  /** What each position of a row means, in file order. */
  targets: ColumnTarget[];
  /** The header as written in the file, by core field name, for error messages. */
  names: Map<string, string>;
}

export interface HeaderProblem {
  column: string;
  message: string;
}

function lookupTable(defs: readonly ProfileFieldDef[]): Map<string, ColumnTarget> {
  const m = new Map<string, ColumnTarget>();
  for (const c of BUILTIN_COLUMNS)
    for (const h of [c.header, c.column, ...c.aliases])
      m.set(headerKey(h), { kind: 'builtin', column: c.column });
  for (const def of defs) {
    // Symbolic names are reserved against built-ins by the core; labels may clash, so a
    // label is accepted only where it means nothing else.
    m.set(headerKey(def.name), { kind: 'profile', def });
    if (!m.has(headerKey(def.label))) m.set(headerKey(def.label), { kind: 'profile', def });
  }
  return m;
}

/** Core field name(s) a column carries, for mapping errors back to the file's headers. */
export function fieldNamesOf(t: ColumnTarget): string[] {
  if (t.kind === 'profile') return [`profile.${t.def.name}`];
  switch (t.column) {
    case 'manager':
      return ['manager', 'manager_id'];
    case 'extranet':
      return ['extranet', 'extranet_id'];
    default:
      return [t.column];
  }
}

/** Reads a header row; returns the map, or the problems that make the file unusable. */
export function mapHeader(
  header: readonly string[],
  defs: readonly ProfileFieldDef[],
): { ok: true; map: HeaderMap } | { ok: false; problems: HeaderProblem[] } {
  const table = lookupTable(defs);
  const problems: HeaderProblem[] = [];
  const targets: ColumnTarget[] = [];
  const names = new Map<string, string>();
  const seen = new Map<string, string>();
  for (const raw of header) {
    const key = headerKey(raw);
    const target = table.get(key);
    if (!target) {
      const near = suggestion(key, [...table.keys()]);
      const hintTarget = near === undefined ? undefined : table.get(near);
      const hint =
        hintTarget === undefined
          ? undefined
          : hintTarget.kind === 'builtin'
            ? exportHeader(hintTarget.column)
            : hintTarget.def.name;
      problems.push({
        column: raw,
        message:
          key === ''
            ? 'A column has no header. Name it, or delete the column.'
            : `Unknown column "${raw}".${hint ? ` Did you mean "${hint}"?` : ''} Remove it, or define a profile field with this symbolic name first.`,
      });
      continue;
    }
    const id = target.kind === 'builtin' ? target.column : `profile.${target.def.name}`;
    const twice = seen.get(id);
    if (twice !== undefined) {
      problems.push({
        column: raw,
        message: `The columns "${twice}" and "${raw}" mean the same thing; keep one.`,
      });
      continue;
    }
    seen.set(id, raw);
    targets.push(target);
    for (const f of fieldNamesOf(target)) names.set(f, raw);
  }
  if (!seen.has('username') && header.length > 0)
    problems.push({
      column: 'username',
      message: 'The file has no "username" column; it is the key of every row.',
    });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, map: { targets, names } };
}

/** The closest known header, if close enough to be a likely typo. */
function suggestion(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(key, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(key.length / 4));
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length]!;
}
