/**
 * Table types for Kysely. One schema on both engines: timestamps are ISO-8601 UTC text,
 * booleans are 0/1 integers, JSON is text. This keeps every query identical on SQLite
 * and PostgreSQL; the few real differences are named in capabilities.ts.
 */
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

export interface DirectoriesTable {
  id: Generated<number>;
  name: string;
  kind: string;
  owned_fields: string;
  created_at: string;
  /** Migration 0008: the type's settings as JSON (url, base_dn, mapping, …). */
  settings: Generated<string>;
  /** The bind password, sealed by SecretBox; never answered. */
  sealed_secret: string | null;
  adopt_local_accounts: Generated<number>;
  max_block_percent: Generated<number>;
  schedule: string | null;
  /** Where the last incremental read stopped (AD's highestCommittedUSN, a modifyTimestamp). */
  watermark: string | null;
  updated_at: string | null;
}

/** Directory sync runs (migration 0008): counts and would-block list as JSON. */
export interface DirectoryRunsTable {
  id: Generated<number>;
  directory_id: number;
  status: 'running' | 'completed' | 'stopped' | 'failed' | 'interrupted';
  dry_run: number;
  mode: 'full' | 'incremental';
  trigger: 'manual' | 'schedule';
  started_by_label: string;
  started_at: string;
  heartbeat_at: string;
  finished_at: string | null;
  phase: string | null;
  counts: Generated<string>;
  stop_reason: string | null;
  would_block: string | null;
  item_count: Generated<number>;
  /** `host pid token` of the process running it (src/jobs/runner.ts); null for older rows. */
  runner: string | null;
  /** JSON of the run's group counts; null when the run did not sync groups. */
  group_counts: string | null;
  group_error: string | null;
}

export interface DirectoryRunItemsTable {
  run_id: number;
  seq: number;
  entry: string;
  person_id: number | null;
  action: string;
  changes: string | null;
  error: string | null;
}

export interface DirectoryLeasesTable {
  directory_id: number;
  holder: string;
  expires_at: string;
}

export interface ExternalIdentitiesTable {
  provider: string;
  external_id: string;
  person_id: number;
  created_at: string;
}

export interface GroupsTable {
  id: Generated<number>;
  name: string;
  name_key: string;
  description: string;
  parent_id: number | null;
  directory_id: number | null;
  created_at: string;
  updated_at: string;
}

/** A directory's group (its stable id) → the Gatehouse group it made. */
export interface DirectoryGroupLinksTable {
  directory_id: number;
  external_id: string;
  group_id: number;
  created_at: string;
}

export interface GroupMembersTable {
  group_id: number;
  person_id: number;
}

export interface RolesTable {
  id: Generated<number>;
  name: string;
  name_key: string;
  description: string;
  extranet_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface RoleMembersTable {
  role_id: number;
  person_id: number;
}

export interface ExtranetsTable {
  id: Generated<number>;
  name: string;
  name_key: string;
  description: string;
  created_at: string;
  updated_at: string;
}

export interface ProfileFieldsTable {
  id: Generated<number>;
  name: string;
  label: string;
  type: string;
  options: string;
  required: number;
  created_at: string;
  updated_at: string;
}

export interface AdminGrantsTable {
  person_id: number;
  grant: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: Generated<number>;
  owner_id: number;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: string;
  created_by: number | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  csrf_token: string;
  person_id: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  actor_id: number | null;
  actor_label: string;
  gate: string;
  action: string;
  target_type: string;
  target_id: string | null;
  target_label: string | null;
  changes: string | null;
  request_id: string | null;
  ip: string | null;
  outcome: string;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface ImportsTable {
  id: Generated<number>;
  created_by: number | null;
  created_by_label: string;
  gate: string;
  created_at: string;
  finished_at: string | null;
  heartbeat_at: string;
  mode: 'dry_run' | 'apply';
  valid_only: number;
  status: 'running' | 'completed' | 'failed' | 'interrupted';
  applied: number;
  file_name: string | null;
  row_count: number;
  phase: string | null;
  progress_done: number;
  progress_total: number;
  summary: string | null;
  outcomes: string | null;
  error: string | null;
  /** The process running it (migration 0012); null for runs before it. */
  runner: string | null;
}

/** SSO identity providers (migration 0009): booleans 0/1, JSON columns as text. */
export interface IdentityProvidersTable {
  id: Generated<number>;
  type: 'saml' | 'oidc';
  name: string;
  button_text: string;
  enabled: number;
  attribute_mapping: string;
  match_by: string;
  provision_on_first_login: number;
  not_found_redirect_url: string | null;
  provision_even_if_directories: number;
  seamless: number;
  allow_idp_initiated: number;
  logout_url: string | null;
  defaults: string;
  config: string;
  sealed_secret: string | null;
  created_at: string;
  updated_at: string;
}

/** SSO logins in progress (migration 0009): single use, carried in RelayState / state. */
export interface SsoLoginRequestsTable {
  id: string;
  provider_id: number;
  kind: 'saml' | 'oidc';
  return_to: string | null;
  request_id: string | null;
  oidc_state: string | null;
  oidc_nonce: string | null;
  oidc_code_verifier: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  /** SHA-256 (hex) of the browser's binding cookie (migration 0015); null before it. */
  browser_hash: string | null;
}

/** SAML assertion ids already accepted (migration 0010): a response is accepted once, across nodes. */
export interface SamlReplayTable {
  assertion_key: string;
  expires_at: string;
}

/** The SAML service provider's own key pairs (migration 0010), shared by every node. */
export interface SamlSpKeysTable {
  use: 'signing' | 'encryption';
  /** PEM. */
  certificate: string;
  /** PKCS#8 PEM, sealed with app.secrets. */
  sealed_private_key: string;
  not_after: string;
  created_at: string;
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

/** SCIM (migration 0011): a directory's bearer tokens, stored as SHA-256 hashes. */
export interface ScimTokensTable {
  id: Generated<number>;
  directory_id: number;
  prefix: string;
  token_hash: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface ScimRequestsTable {
  id: Generated<number>;
  directory_id: number;
  at: string;
  method: string;
  path: string;
  status: number;
  error: string | null;
  request_id: string | null;
}

export interface ScimUsersTable {
  scim_id: string;
  directory_id: number;
  person_id: number | null;
  user_name: string;
  user_name_key: string;
  external_id: string | null;
  display_name: string | null;
  display_name_key: string | null;
  name_formatted: string | null;
  active: number;
  resource: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface ScimGroupsTable {
  scim_id: string;
  directory_id: number;
  group_id: number;
  external_id: string | null;
  display_name: string;
  display_name_key: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface ScimValuesTable {
  scim_id: string;
  directory_id: number;
  /** The value's place among its user's values (with directory_id and scim_id, the key). */
  seq: number;
  attr: string;
  type: string | null;
  is_primary: number;
  value: string;
  value_key: string;
}

export interface DB {
  people: PeopleTable;
  people_search: PeopleSearchTable;
  people_tally: PeopleTallyTable;
  photos: PhotosTable;
  directories: DirectoriesTable;
  directory_runs: DirectoryRunsTable;
  directory_run_items: DirectoryRunItemsTable;
  directory_leases: DirectoryLeasesTable;
  external_identities: ExternalIdentitiesTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  directory_group_links: DirectoryGroupLinksTable;
  roles: RolesTable;
  role_members: RoleMembersTable;
  extranets: ExtranetsTable;
  profile_fields: ProfileFieldsTable;
  admin_grants: AdminGrantsTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  settings: SettingsTable;
  imports: ImportsTable;
  identity_providers: IdentityProvidersTable;
  sso_login_requests: SsoLoginRequestsTable;
  saml_replay: SamlReplayTable;
  saml_sp_keys: SamlSpKeysTable;
  scim_tokens: ScimTokensTable;
  scim_requests: ScimRequestsTable;
  scim_users: ScimUsersTable;
  scim_groups: ScimGroupsTable;
  scim_values: ScimValuesTable;
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
export type GroupRow = Selectable<GroupsTable>;
export type RoleRow = Selectable<RolesTable>;
export type ExtranetRow = Selectable<ExtranetsTable>;
export type ProfileFieldRow = Selectable<ProfileFieldsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type SessionRow = Selectable<SessionsTable>;
export type NewSessionRow = Omit<SessionRow, 'id'>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEventRow = Insertable<AuditEventsTable>;
export type DirectoryRow = Selectable<DirectoriesTable>;
export type DirectoryRunRow = Selectable<DirectoryRunsTable>;
export type ImportRow = Selectable<ImportsTable>;
export type IdentityProviderRow = Selectable<IdentityProvidersTable>;
export type SsoLoginRequestRow = Selectable<SsoLoginRequestsTable>;
