/** The columns of people, by name: every one, and the ones a person is shown from. */
import { everyColumn } from './bulk-insert.ts';
import type { NewPersonRow, PersonRow } from './schema.ts';

/** Every column but the id, in one order (people-repo.ts: reads by name, bulk inserts). */
export const PERSON_COLUMNS = everyColumn<NewPersonRow>()([
  'username',
  'username_key',
  'user_code',
  'firstname',
  'surname',
  'email',
  'email_key',
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
  'blocked_by_person_id',
  'directory_id',
  'password_authority',
  'password_hash',
  'password_changed_at',
  'must_change_password',
  'failed_logins',
  'origin',
  'origin_source',
  'profile',
  'has_photo',
  'last_login_at',
  'created_at',
  'updated_at',
  'version',
  'search_text',
]);

/** The columns no reader is shown: the comparison keys, the password's state, search_text. */
const HIDDEN_PERSON_COLUMNS = [
  'username_key',
  'email_key',
  'blocked_by_person_id',
  'password_hash',
  'password_changed_at',
  'failed_logins',
  'search_text',
] as const;
type ShownStored = Exclude<(typeof PERSON_COLUMNS)[number], (typeof HIDDEN_PERSON_COLUMNS)[number]>;
type ShownColumn = 'id' | ShownStored;
const isShown = (c: (typeof PERSON_COLUMNS)[number]): c is ShownStored =>
  !(HIDDEN_PERSON_COLUMNS as readonly string[]).includes(c);

/**
 * The columns a person is shown from (core/person.ts toPerson), which lists read instead of
 * every column: without the keys, the password's columns and search_text, 200 rows cost
 * about an eighth less to read and make (bench/api.bench.ts, the list page).
 */
export const SHOWN_PERSON_COLUMNS: readonly ShownColumn[] = [
  'id',
  ...PERSON_COLUMNS.filter(isShown),
];

export type ShownPersonRow = Pick<PersonRow, ShownColumn>;
