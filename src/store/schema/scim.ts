/** Table types (schema.ts): SCIM tokens, request log, users, groups and their filterable values. */
import type { Generated } from 'kysely';

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
