/**
 * The person record as the core and every gate see it, and the field rules that apply to
 * input from any gate.
 */
import type {
  NewPersonRow,
  PersonRow,
  PersonRowUpdate,
  PersonState,
  PasswordAuthority,
  Origin,
  BlockedBy,
} from '../store/schema.ts';
import type { ShownPersonRow } from '../store/person-columns.ts';
import type { FieldError } from './errors.ts';
import { emailKey, isAscii, searchText, usernameKey } from './normalize.ts';
import type { ProfileValue } from './profile-field-types.ts';

export interface Person {
  id: number;
  username: string;
  user_code: string | null;
  firstname: string;
  surname: string;
  email: string;
  job_title: string;
  department: string;
  office: string;
  phone: string;
  mobile: string;
  manager_id: number | null;
  extranet_id: number | null;
  state: PersonState;
  frozen_until: string | null;
  blocked_by: BlockedBy | null;
  blocked_reason: string | null;
  directory_id: number | null;
  password_authority: PasswordAuthority;
  must_change_password: boolean;
  origin: Origin;
  origin_source: string | null;
  profile: Record<string, ProfileValue>;
  has_photo: boolean;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

/** Plain fields a gate may set; each may be owned by a directory. */
export const TEXT_FIELDS = [
  'username',
  'firstname',
  'surname',
  'email',
  'job_title',
  'department',
  'office',
  'phone',
  'mobile',
] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

/** Every field a directory's mapping may own, besides `state` and `password` which it always owns. */
export const OWNABLE_FIELDS = [...TEXT_FIELDS, 'user_code', 'manager_id', 'extranet_id'] as const;

export interface PersonFields {
  username?: string;
  user_code?: string | null;
  firstname?: string;
  surname?: string;
  email?: string;
  job_title?: string;
  department?: string;
  office?: string;
  phone?: string;
  mobile?: string;
  manager_id?: number | null;
  extranet_id?: number | null;
  must_change_password?: boolean;
  /** Custom profile fields by symbolic name; null clears one. */
  profile?: Record<string, unknown>;
}

export interface NewPerson extends PersonFields {
  username: string;
  firstname: string;
  surname: string;
  email: string;
  /** Plain password to hash, or an existing argon2/bcrypt hash to keep (migrations). */
  password?: string | undefined;
  password_hash?: string | undefined;
  state?: 'active' | 'blocked';
  /** Set by directory and SSO gates. */
  directory_id?: number | null;
  password_authority?: PasswordAuthority;
  origin_source?: string | null;
}

export function effectiveState(
  row: Pick<PersonRow, 'state' | 'frozen_until'>,
  now = Date.now(),
): PersonState {
  if (row.state === 'frozen' && row.frozen_until !== null && Date.parse(row.frozen_until) <= now)
    return 'active';
  return row.state;
}

/**
 * Whether other users (readers who are not administrators) see the account in the directory:
 * every account but a blocked one. A lockout (frozen) is a sign-in matter: hiding the person
 * meanwhile would let anyone remove a colleague from the staff list for the lockout period by
 * failing their sign-in a few times. (In SQL: store/people-repo.ts `isListed`.)
 */
export function listedInDirectory(p: Pick<Person, 'state'>): boolean {
  return p.state !== 'blocked';
}

/**
 * The state a reader is shown. A lockout is between the person and the administrators: to
 * others a frozen account shows as active, so the directory does not tell a guesser when the
 * lock starts or ends.
 */
export function stateShownTo(p: Pick<Person, 'state'>, admin: boolean): Person['state'] {
  return admin || p.state !== 'frozen' ? p.state : 'active';
}

export function toPerson(row: ShownPersonRow): Person {
  const state = effectiveState(row);
  return {
    id: row.id,
    username: row.username,
    user_code: row.user_code,
    firstname: row.firstname,
    surname: row.surname,
    email: row.email,
    job_title: row.job_title,
    department: row.department,
    office: row.office,
    phone: row.phone,
    mobile: row.mobile,
    manager_id: row.manager_id,
    extranet_id: row.extranet_id,
    state,
    frozen_until: state === 'frozen' ? row.frozen_until : null,
    blocked_by: row.blocked_by,
    blocked_reason: row.blocked_reason,
    directory_id: row.directory_id,
    password_authority: row.password_authority,
    must_change_password: row.must_change_password === 1,
    origin: row.origin,
    origin_source: row.origin_source,
    profile: JSON.parse(row.profile) as Record<string, ProfileValue>,
    has_photo: row.has_photo === 1,
    last_login_at: row.last_login_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
    version: row.version,
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LIMITS: Record<TextField, number> = {
  username: 100,
  firstname: 100,
  surname: 100,
  email: 254,
  job_title: 200,
  department: 200,
  office: 200,
  phone: 50,
  mobile: 50,
};

// Control characters make usernames ambiguous in logs and CSV files.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Checks the plain fields present in `input`; `creating` makes the required ones required. */
export function checkPersonFields(input: PersonFields, creating: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const required = ['username', 'firstname', 'surname', 'email'] as const;
  for (const f of required) {
    const v = input[f];
    if ((creating && v === undefined) || (v !== undefined && v.trim() === '')) {
      errors.push({ field: f, message: `${labelOf(f)} is required.` });
    }
  }
  for (const f of TEXT_FIELDS) {
    const v = input[f];
    if (v === undefined) continue;
    if (v.length > LIMITS[f])
      errors.push({ field: f, message: `At most ${LIMITS[f]} characters.` });
    if (CONTROL.test(v)) errors.push({ field: f, message: 'Must not contain control characters.' });
  }
  if (input.username !== undefined && /\s/.test(input.username.trim())) {
    errors.push({ field: 'username', message: 'Must not contain spaces.' });
  }
  if (input.email !== undefined && input.email.trim() !== '' && !EMAIL.test(input.email.trim())) {
    errors.push({ field: 'email', message: 'Must be an email address such as jo@example.org.' });
  }
  if (input.user_code !== undefined && input.user_code !== null) {
    if (input.user_code.length > 100)
      errors.push({ field: 'user_code', message: 'At most 100 characters.' });
  }
  return errors;
}

function labelOf(f: string): string {
  return (
    (
      {
        username: 'Username',
        firstname: 'First name',
        surname: 'Surname',
        email: 'Email',
      } as Record<string, string>
    )[f] ?? f
  );
}

const TEXT_FIELD_SET = new Set<string>(TEXT_FIELDS);

/**
 * One field's value the way it is stored: text fields NFC (ASCII text is NFC already) and
 * trimmed, a user code trimmed and an empty one none; other fields as they are. tidy's rule
 * for one value, so that a comparison (the sync's unchanged entries) copies no record.
 */
export function storedForm(field: string, v: string): string | null {
  if (field === 'user_code') {
    const code = v.trim();
    return code === '' ? null : code;
  }
  return TEXT_FIELD_SET.has(field) ? (isAscii(v) ? v : v.normalize('NFC')).trim() : v;
}

/** Trims the text fields the way they are stored (storedForm of each). */
export function tidy<T extends PersonFields>(input: T): T {
  const out = { ...input };
  for (const f of TEXT_FIELDS) {
    const v = out[f];
    if (typeof v === 'string') (out as PersonFields)[f] = storedForm(f, v) as string;
  }
  if (typeof out.user_code === 'string') out.user_code = storedForm('user_code', out.user_code);
  return out;
}

/** Fills the columns derived from changed fields: comparison keys and the search text. */
export function addDerivedColumns(
  update: PersonRowUpdate,
  current: PersonRow,
  emailUnique: boolean,
): void {
  if (update.username !== undefined) update.username_key = usernameKey(update.username);
  if (update.email !== undefined) update.email_key = emailUnique ? emailKey(update.email) : null;
  if (
    [update.username, update.firstname, update.surname, update.email].some((v) => v !== undefined)
  ) {
    update.search_text = searchText({
      username: update.username ?? current.username,
      firstname: update.firstname ?? current.firstname,
      surname: update.surname ?? current.surname,
      email: update.email ?? current.email,
    });
  }
}

/** The text fields a new person may be made without: each starts as ''. */
type OptionalText =
  'firstname' | 'surname' | 'email' | 'job_title' | 'department' | 'office' | 'phone' | 'mobile';

/**
 * What a new person's row is made from; the rest is derived or starts the same for everyone.
 * Text fields left out start as '', references as null, so that each way of creating people
 * need not repeat the defaults.
 */
export type NewPersonSpec = Omit<
  NewPersonRow,
  | 'id'
  | 'username_key'
  | 'email_key'
  | 'frozen_until'
  | 'blocked_reason'
  | 'password_changed_at'
  | 'must_change_password'
  | 'failed_logins'
  | 'profile'
  | 'has_photo'
  | 'last_login_at'
  | 'created_at'
  | 'updated_at'
  | 'version'
  | 'search_text'
  | OptionalText
  | 'user_code'
  | 'manager_id'
  | 'extranet_id'
> & {
  [K in OptionalText]?: string | undefined;
} & {
  user_code?: string | null | undefined;
  manager_id?: number | null | undefined;
  extranet_id?: number | null | undefined;
  must_change_password?: boolean | undefined;
  profile: Record<string, unknown>;
};

/**
 * A complete row for a new person, made at `at`: the comparison keys and the search text are
 * derived here (as `addDerivedColumns` does for changes), so every way of creating people
 * stores them alike.
 */
export function newPersonRow(spec: NewPersonSpec, emailUnique: boolean, at: string): NewPersonRow {
  // Every column written out, no spread: this runs once per row of a 100,000-row batch, and
  // V8 builds `{ ...spec, more }` on a slow path (see src/gates/api/users/view.ts).
  const firstname = spec.firstname ?? '';
  const surname = spec.surname ?? '';
  const email = spec.email ?? '';
  return {
    username: spec.username,
    username_key: usernameKey(spec.username),
    user_code: spec.user_code ?? null,
    firstname,
    surname,
    email,
    email_key: emailUnique ? emailKey(email) : null,
    job_title: spec.job_title ?? '',
    department: spec.department ?? '',
    office: spec.office ?? '',
    phone: spec.phone ?? '',
    mobile: spec.mobile ?? '',
    manager_id: spec.manager_id ?? null,
    extranet_id: spec.extranet_id ?? null,
    state: spec.state,
    frozen_until: null,
    blocked_by: spec.blocked_by,
    blocked_reason: null,
    blocked_by_person_id: spec.blocked_by_person_id,
    directory_id: spec.directory_id,
    password_authority: spec.password_authority,
    password_hash: spec.password_hash,
    password_changed_at: spec.password_hash ? at : null,
    must_change_password: spec.must_change_password ? 1 : 0,
    failed_logins: 0,
    origin: spec.origin,
    origin_source: spec.origin_source,
    profile: JSON.stringify(spec.profile),
    has_photo: 0,
    last_login_at: null,
    created_at: at,
    updated_at: at,
    version: 1,
    search_text: searchText({ username: spec.username, firstname, surname, email }),
  };
}
