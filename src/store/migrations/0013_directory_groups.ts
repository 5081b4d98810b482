import type { Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * LDAP group sync (issue 8). A Gatehouse group made by a directory is linked to the directory
 * group's stable id (entryUUID, objectGUID), so a renamed or moved directory group renames the
 * same Gatehouse group. scim_groups is not reused: it holds SCIM's resource (its own id,
 * displayName, version) and answers SCIM's reads; this link holds only the stable id.
 * A run's report keeps its group counts and its group error sentence beside the user counts.
 */
export async function up(db: Kysely<any>, _caps: Capabilities): Promise<void> {
  await db.schema
    .createTable('directory_group_links')
    .addColumn('directory_id', 'integer', (c) =>
      c.notNull().references('directories.id').onDelete('cascade'),
    )
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('group_id', 'integer', (c) =>
      c.notNull().references('groups.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('directory_group_links_pk', ['directory_id', 'external_id'])
    .execute();
  await db.schema
    .createIndex('directory_group_links_group_unique')
    .on('directory_group_links')
    .column('group_id')
    .unique()
    .execute();
  await db.schema.alterTable('directory_runs').addColumn('group_counts', 'text').execute();
  await db.schema.alterTable('directory_runs').addColumn('group_error', 'text').execute();
}
