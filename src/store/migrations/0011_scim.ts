import type { Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * SCIM 2.0 (issue 9): bearer tokens per SCIM directory (SHA-256 hashes only), a request log
 * per directory for the console, and the resources as the IdP sent them. People and groups
 * stay where they are; these tables hold what SCIM adds: the resource id we gave, the
 * IdP's externalId, displayName and name.formatted (answered back as sent), and the values
 * filters search (emails, phoneNumbers, names, enterprise attributes) so that every filter
 * is one indexed SQL query.
 */
export async function up(db: Kysely<any>, caps: Capabilities): Promise<void> {
  const id = caps.idColumn;

  await db.schema
    .createTable('scim_tokens')
    .addColumn('id', id.type, id.modify)
    .addColumn('directory_id', 'integer', (c) =>
      c.notNull().references('directories.id').onDelete('cascade'),
    )
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    // Set on the old token when it is rotated: it keeps working until then (grace period).
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema
    .createIndex('scim_tokens_token_hash_unique')
    .on('scim_tokens')
    .column('token_hash')
    .unique()
    .execute();
  await db.schema
    .createIndex('scim_tokens_directory_idx')
    .on('scim_tokens')
    .column('directory_id')
    .execute();

  await db.schema
    .createTable('scim_requests')
    .addColumn('id', id.type, id.modify)
    .addColumn('directory_id', 'integer', (c) =>
      c.notNull().references('directories.id').onDelete('cascade'),
    )
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('request_id', 'text')
    .execute();
  await db.schema
    .createIndex('scim_requests_directory_idx')
    .on('scim_requests')
    .columns(['directory_id', 'id'])
    .execute();

  await db.schema
    .createTable('scim_users')
    .addColumn('scim_id', 'text', (c) => c.primaryKey())
    .addColumn('directory_id', 'integer', (c) =>
      c.notNull().references('directories.id').onDelete('cascade'),
    )
    // Null while a create was under way, when creates claimed the userName with this row
    // first; they now write it with its account (scim-repo.ts insertScimUser).
    .addColumn('person_id', 'integer', (c) => c.references('people.id').onDelete('cascade'))
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('user_name_key', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('display_name', 'text')
    .addColumn('display_name_key', 'text')
    .addColumn('name_formatted', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    // The resource as last accepted (no id, meta or password), answered back as sent.
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createIndex('scim_users_user_name_unique')
    .on('scim_users')
    .columns(['directory_id', 'user_name_key'])
    .unique()
    .execute();
  // Lists page in creation order (Okta's and Entra's imports read every user).
  await db.schema
    .createIndex('scim_users_list_idx')
    .on('scim_users')
    .columns(['directory_id', 'created_at', 'scim_id'])
    .execute();
  await db.schema
    .createIndex('scim_users_person_idx')
    .on('scim_users')
    .columns(['person_id', 'directory_id'])
    .execute();
  await db.schema
    .createIndex('scim_users_external_idx')
    .on('scim_users')
    .columns(['directory_id', 'external_id'])
    .execute();
  await db.schema
    .createIndex('scim_users_display_idx')
    .on('scim_users')
    .columns(['directory_id', 'display_name_key'])
    .execute();

  await db.schema
    .createTable('scim_groups')
    .addColumn('scim_id', 'text', (c) => c.primaryKey())
    .addColumn('directory_id', 'integer', (c) =>
      c.notNull().references('directories.id').onDelete('cascade'),
    )
    .addColumn('group_id', 'integer', (c) =>
      c.notNull().references('groups.id').onDelete('cascade'),
    )
    .addColumn('external_id', 'text')
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('display_name_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .createIndex('scim_groups_group_unique')
    .on('scim_groups')
    .column('group_id')
    .unique()
    .execute();
  await db.schema
    .createIndex('scim_groups_list_idx')
    .on('scim_groups')
    .columns(['directory_id', 'created_at', 'scim_id'])
    .execute();
  await db.schema
    .createIndex('scim_groups_display_idx')
    .on('scim_groups')
    .columns(['directory_id', 'display_name_key'])
    .execute();

  // One row per filterable value of a user: attr is the attribute path ('emails',
  // 'name.givenName', 'urn:…:enterprise:2.0:User:department'); type and primary are the
  // sub-attributes of multi-valued ones; value_key is the lower-cased value.
  await db.schema
    .createTable('scim_values')
    .addColumn('scim_id', 'text', (c) =>
      c.notNull().references('scim_users.scim_id').onDelete('cascade'),
    )
    .addColumn('directory_id', 'integer', (c) => c.notNull())
    .addColumn('attr', 'text', (c) => c.notNull())
    .addColumn('type', 'text')
    .addColumn('is_primary', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('value_key', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('scim_values_lookup_idx')
    .on('scim_values')
    .columns(['directory_id', 'attr', 'value_key'])
    .execute();
  await db.schema
    .createIndex('scim_values_resource_idx')
    .on('scim_values')
    .columns(['scim_id', 'attr'])
    .execute();
}
