/** Table types (schema.ts): Groups, roles, extranets and profile fields. */
import type { Generated, Selectable } from 'kysely';

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

export type GroupRow = Selectable<GroupsTable>;

export type RoleRow = Selectable<RolesTable>;

export type ExtranetRow = Selectable<ExtranetsTable>;

export type ProfileFieldRow = Selectable<ProfileFieldsTable>;
