/** Table types (schema.ts): People, their photos, search text and tally. */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type PersonState = 'active' | 'blocked' | 'frozen';

export type PasswordAuthority = 'local' | 'directory' | 'idp';

export type Origin = 'console' | 'csv' | 'api' | 'cli' | 'ldap' | 'scim' | 'sso' | 'system';

export type BlockedBy = 'admin' | 'directory' | 'system';

export interface PeopleTable {
  id: Generated<number>;
  username: string;
  username_key: string;
  user_code: string | null;
  firstname: string;
  surname: string;
  email: string;
  /** Lower-cased email when emails must be unique, else null (the unique index ignores nulls). */
  email_key: string | null;
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
  blocked_by_person_id: number | null;
  directory_id: number | null;
  password_authority: PasswordAuthority;
  password_hash: string | null;
  password_changed_at: string | null;
  must_change_password: number;
  failed_logins: number;
  origin: Origin;
  origin_source: string | null;
  profile: string;
  has_photo: number;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
  version: number;
  search_text: string;
}

export interface PhotosTable {
  person_id: number;
  content_type: string;
  data: Buffer;
  updated_at: string;
}

/** people.search_text in id order, kept by triggers (migrations 0004, 0007): what searches read. */
export interface PeopleSearchTable {
  id: number;
  search_text: string;
}

/**
 * PostgreSQL only (migration 0017): the number of people as deltas whose sum is the number,
 * kept by triggers on people.
 */
export interface PeopleTallyTable {
  id: Generated<number>;
  n: number;
}

export type PersonRow = Selectable<PeopleTable>;

/**
 * The columns a person is shown from (core/person.ts toPerson), which lists read instead of
 * every column: without the keys, the password's columns and search_text, 200 rows cost
 * about an eighth less to read and make (bench/api.bench.ts, the list page).
 */
export const SHOWN_PERSON_COLUMNS = [
  'id',
  'username',
  'user_code',
  'firstname',
  'surname',
  'email',
  'job_title',
  'department',
  'office',
  'phone',
  'mobile',
  'manager_id',
  'extranet_id',
  'state',
  'frozen_until',
  'blocked_by',
  'blocked_reason',
  'directory_id',
  'password_authority',
  'must_change_password',
  'origin',
  'origin_source',
  'profile',
  'has_photo',
  'last_login_at',
  'created_at',
  'updated_at',
  'version',
] as const satisfies readonly (keyof PersonRow)[];

export type ShownPersonRow = Pick<PersonRow, (typeof SHOWN_PERSON_COLUMNS)[number]>;

export type NewPersonRow = Insertable<PeopleTable>;

export type PersonRowUpdate = Updateable<PeopleTable>;
