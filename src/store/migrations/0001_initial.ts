import { sql, type Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
export async function up(db: Kysely<any>, caps: Capabilities): Promise<void> {
  const id = caps.idColumn;

  await db.schema
    .createTable('extranets')
    .addColumn('id', id.type, id.modify)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('extranets_name_key_unique')
    .on('extranets')
    .column('name_key')
    .unique()
    .execute();

  await db.schema
    .createTable('directories')
    .addColumn('id', id.type, id.modify)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('owned_fields', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('people')
    .addColumn('id', id.type, id.modify)
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('username_key', 'text', (c) => c.notNull())
    .addColumn('user_code', 'text')
    .addColumn('firstname', 'text', (c) => c.notNull())
    .addColumn('surname', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_key', 'text')
    .addColumn('job_title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('department', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('office', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('phone', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('mobile', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('manager_id', 'integer', (c) => c.references('people.id').onDelete('set null'))
    .addColumn('extranet_id', 'integer', (c) => c.references('extranets.id'))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('frozen_until', 'text')
    .addColumn('blocked_by', 'text')
    .addColumn('blocked_reason', 'text')
    .addColumn('blocked_by_person_id', 'integer')
    .addColumn('directory_id', 'integer', (c) => c.references('directories.id'))
    .addColumn('password_authority', 'text', (c) => c.notNull().defaultTo('local'))
    .addColumn('password_hash', 'text')
    .addColumn('password_changed_at', 'text')
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('origin_source', 'text')
    .addColumn('profile', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('has_photo', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_login_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .createIndex('people_username_key_unique')
    .on('people')
    .column('username_key')
    .unique()
    .execute();
  await db.schema
    .createIndex('people_user_code_unique')
    .on('people')
    .column('user_code')
    .unique()
    .execute();
  await db.schema
    .createIndex('people_email_key_unique')
    .on('people')
    .column('email_key')
    .unique()
    .execute();
  for (const col of [
    'manager_id',
    'state',
    'directory_id',
    'origin',
    'department',
    'extranet_id',
  ]) {
    await db.schema.createIndex(`people_${col}_idx`).on('people').column(col).execute();
  }
  await db.schema
    .createIndex('people_name_sort_idx')
    .on('people')
    .columns(['surname', 'firstname', 'id'])
    .execute();
  await db.schema
    .createIndex('people_created_idx')
    .on('people')
    .columns(['created_at', 'id'])
    .execute();
  if (caps.trigramSearch) {
    await sql`CREATE INDEX people_search_trgm_idx ON people USING gin (search_text gin_trgm_ops)`.execute(
      db,
    );
  }

  await db.schema
    .createTable('photos')
    .addColumn('person_id', 'integer', (c) =>
      c.primaryKey().references('people.id').onDelete('cascade'),
    )
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('data', caps.blobType, (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('external_identities')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'integer', (c) =>
      c.notNull().references('people.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('external_identities_pk', ['provider', 'external_id'])
    .execute();
  await db.schema
    .createIndex('external_identities_person_idx')
    .on('external_identities')
    .column('person_id')
    .execute();

  await db.schema
    .createTable('groups')
    .addColumn('id', id.type, id.modify)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('parent_id', 'integer', (c) => c.references('groups.id').onDelete('set null'))
    .addColumn('directory_id', 'integer', (c) => c.references('directories.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('groups_name_key_unique')
    .on('groups')
    .column('name_key')
    .unique()
    .execute();

  await db.schema
    .createTable('group_members')
    .addColumn('group_id', 'integer', (c) =>
      c.notNull().references('groups.id').onDelete('cascade'),
    )
    .addColumn('person_id', 'integer', (c) =>
      c.notNull().references('people.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'person_id'])
    .execute();
  await db.schema
    .createIndex('group_members_person_idx')
    .on('group_members')
    .column('person_id')
    .execute();

  await db.schema
    .createTable('roles')
    .addColumn('id', id.type, id.modify)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_key', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('extranet_id', 'integer', (c) => c.references('extranets.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('roles_name_key_unique')
    .on('roles')
    .column('name_key')
    .unique()
    .execute();

  await db.schema
    .createTable('role_members')
    .addColumn('role_id', 'integer', (c) => c.notNull().references('roles.id').onDelete('cascade'))
    .addColumn('person_id', 'integer', (c) =>
      c.notNull().references('people.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('role_members_pk', ['role_id', 'person_id'])
    .execute();
  await db.schema
    .createIndex('role_members_person_idx')
    .on('role_members')
    .column('person_id')
    .execute();

  await db.schema
    .createTable('profile_fields')
    .addColumn('id', id.type, id.modify)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('profile_fields_name_unique')
    .on('profile_fields')
    .column('name')
    .unique()
    .execute();

  await db.schema
    .createTable('admin_grants')
    .addColumn('person_id', 'integer', (c) =>
      c.notNull().references('people.id').onDelete('cascade'),
    )
    .addColumn('grant', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('admin_grants_pk', ['person_id', 'grant'])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', id.type, id.modify)
    .addColumn('owner_id', 'integer', (c) =>
      c.notNull().references('people.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer')
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema
    .createIndex('api_keys_key_hash_unique')
    .on('api_keys')
    .column('key_hash')
    .unique()
    .execute();
  await db.schema.createIndex('api_keys_owner_idx').on('api_keys').column('owner_id').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', id.type, id.modify)
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('person_id', 'integer', (c) =>
      c.notNull().references('people.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema
    .createIndex('sessions_token_hash_unique')
    .on('sessions')
    .column('token_hash')
    .unique()
    .execute();
  await db.schema.createIndex('sessions_person_idx').on('sessions').column('person_id').execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', id.type, id.modify)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('gate', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('target_label', 'text')
    .addColumn('changes', 'text')
    .addColumn('request_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull().defaultTo('success'))
    .execute();
  await db.schema
    .createIndex('audit_target_idx')
    .on('audit_events')
    .columns(['target_type', 'target_id'])
    .execute();
  await db.schema.createIndex('audit_actor_idx').on('audit_events').column('actor_id').execute();
  await db.schema.createIndex('audit_at_idx').on('audit_events').column('at').execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
