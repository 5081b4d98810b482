/**
 * Table types for Kysely. One schema on both engines: timestamps are ISO-8601 UTC text,
 * booleans are 0/1 integers, JSON is text. This keeps every query identical on SQLite
 * and PostgreSQL; the few real differences are named in capabilities.ts.
 */
import type {
  PeopleTable,
  PhotosTable,
  PeopleSearchTable,
  PeopleTallyTable,
} from './schema/people.ts';
import type {
  DirectoriesTable,
  DirectoryRunsTable,
  DirectoryRunItemsTable,
  DirectoryLeasesTable,
  ExternalIdentitiesTable,
  DirectoryGroupLinksTable,
} from './schema/directories.ts';
import type {
  GroupsTable,
  GroupMembersTable,
  RolesTable,
  RoleMembersTable,
  ExtranetsTable,
  ProfileFieldsTable,
} from './schema/organisation.ts';
import type {
  AdminGrantsTable,
  ApiKeysTable,
  SessionsTable,
  AuditEventsTable,
  SettingsTable,
  ImportsTable,
} from './schema/access.ts';
import type {
  IdentityProvidersTable,
  SsoLoginRequestsTable,
  SamlReplayTable,
  SamlSpKeysTable,
} from './schema/sso.ts';
import type {
  ScimTokensTable,
  ScimRequestsTable,
  ScimUsersTable,
  ScimGroupsTable,
  ScimValuesTable,
} from './schema/scim.ts';

export * from './schema/people.ts';
export * from './schema/directories.ts';
export * from './schema/organisation.ts';
export * from './schema/access.ts';
export * from './schema/sso.ts';
export * from './schema/scim.ts';

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
