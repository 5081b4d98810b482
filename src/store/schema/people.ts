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

export type NewPersonRow = Insertable<PeopleTable>;

export type PersonRowUpdate = Updateable<PeopleTable>;
