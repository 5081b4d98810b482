import { sql, type Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * SCIM users and their filterable values stored with fewer index entries (issue 9 §5): on
 * SQLite a create wrote 41 pages a commit against the People API's 22, one or more for each
 * b-tree it touched (bench/scim.bench.ts, docs/benchmarks.md session 9).
 *
 * - scim_users is keyed by (directory_id, scim_id), kept in that order where the engine can
 *   (SQLite WITHOUT ROWID): the key serves a read by id and the list's order, so the separate
 *   rowid table, scim_id index and list index go. New ids are time-ordered (core/scim/ids.ts),
 *   so a create appends to the key's last page and the list stays in creation order.
 * - No (directory_id, user_name_key) index: a SCIM user's userName is its account's username,
 *   which people's unique username_key index already finds and keeps unique; the row is found
 *   from the account, by the index that was there for joins from the account, now unique
 *   (one resource per account and directory).
 * - scim_values is keyed by (directory_id, scim_id, seq): a user's values sit together after
 *   the user's key (one page for all of them), replaced and cascaded by that key. Value
 *   indexes (directory_id, value_key, …) exist only for the attributes identity providers look
 *   users up by (INDEXED below); filters on the others are still SQL, over the directory's
 *   value rows.
 */
/**
 * The value indexes, each partial on one attribute (scim-filter-sql.ts INDEXED_VALUE_ATTRS
 * names the same): a query names its attribute as a literal, which SQLite needs to see that a
 * partial index applies (an `attr IN (…)` predicate it would not match).
 */
const INDEXED: readonly [index: string, attr: string][] = [
  ['scim_values_emails_idx', 'emails'],
  [
    'scim_values_employee_number_idx',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
  ],
];

export async function up(db: Kysely<any>, caps: Capabilities): Promise<void> {
  // The names the new tables' indexes take again; the old tables' other indexes serve the
  // copy below (scim_users_person_idx finds an account's other resources) and go with them.
  for (const name of ['scim_users_external_idx', 'scim_users_display_idx'])
    await db.schema.dropIndex(name).execute();
  await db.schema.alterTable('scim_values').renameTo('scim_values_0011').execute();
  await db.schema.alterTable('scim_users').renameTo('scim_users_0011').execute();
  const users = db.schema
    .createTable('scim_users')
    .addColumn('scim_id', 'text', (c) => c.notNull())
    .addColumn('directory_id', 'integer', (c) =>
      c.notNull().references('directories.id').onDelete('cascade'),
    )
    .addColumn('person_id', 'integer', (c) => c.references('people.id').onDelete('cascade'))
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('user_name_key', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('display_name', 'text')
    .addColumn('display_name_key', 'text')
    .addColumn('name_formatted', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('scim_users_key', ['directory_id', 'scim_id']);
  await (caps.keyOrderedTables ? users.modifyEnd(sql`without rowid`) : users).execute();
  // One resource per account and directory: what the userName index kept (a userName is
  // its account's username), so that of parallel creates bringing one account back, one wins.
  await db.schema
    .createIndex('scim_users_person_unique')
    .on('scim_users')
    .columns(['person_id', 'directory_id'])
    .unique()
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

  const values = db.schema
    .createTable('scim_values')
    .addColumn('directory_id', 'integer', (c) => c.notNull())
    .addColumn('scim_id', 'text', (c) => c.notNull())
    // The value's place among the user's values (filterRows' order).
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('attr', 'text', (c) => c.notNull())
    .addColumn('type', 'text')
    .addColumn('is_primary', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('value_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('scim_values_key', ['directory_id', 'scim_id', 'seq'])
    .addForeignKeyConstraint(
      'scim_values_user_fk',
      ['directory_id', 'scim_id'],
      'scim_users',
      ['directory_id', 'scim_id'],
      (c) => c.onDelete('cascade'),
    );
  await (caps.keyOrderedTables ? values.modifyEnd(sql`without rowid`) : values).execute();
  for (const [index, attr] of INDEXED)
    await db.schema
      .createIndex(index)
      .on('scim_values')
      // Covering what value filters compare (value, type, primary), so the planner never
      // prefers the key's scan of the directory for want of statistics.
      .columns(['directory_id', 'value_key', 'type', 'is_primary'])
      .where(sql<boolean>`attr = ${sql.lit(attr)}`)
      .execute();

  await sql`INSERT INTO scim_users (scim_id, directory_id, person_id, user_name, user_name_key,
    external_id, display_name, display_name_key, name_formatted, active, resource, created_at,
    updated_at, version)
    SELECT scim_id, directory_id, person_id, user_name, user_name_key, external_id, display_name,
      display_name_key, name_formatted, active, resource, created_at, updated_at, version
    FROM scim_users_0011 o
    -- Two resources of one account in one directory could not be made (each userName is its
    -- account's username, unique there); should a database hold them, the newest is kept.
    WHERE o.person_id IS NULL OR NOT EXISTS (SELECT 1 FROM scim_users_0011 n
      WHERE n.person_id = o.person_id AND n.directory_id = o.directory_id
        AND (n.updated_at > o.updated_at OR (n.updated_at = o.updated_at AND n.scim_id > o.scim_id)))`.execute(
    db,
  );
  await sql`INSERT INTO scim_values (directory_id, scim_id, seq, attr, type, is_primary, value,
    value_key)
    SELECT v.directory_id, v.scim_id, row_number() OVER (PARTITION BY v.scim_id), v.attr, v.type,
      v.is_primary, v.value, v.value_key
    FROM scim_values_0011 v
    WHERE EXISTS (SELECT 1 FROM scim_users u WHERE u.directory_id = v.directory_id
      AND u.scim_id = v.scim_id)`.execute(db);
  await db.schema.dropTable('scim_values_0011').execute();
  await db.schema.dropTable('scim_users_0011').execute();
}
