import type { Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * Directories become a resource (connection settings, the sealed bind secret, schedule,
 * safety share), with their sync runs and per-entry reports, and one lease per directory so
 * that exactly one node runs a directory's sync at a time.
 */
export async function up(db: Kysely<any>, caps: Capabilities): Promise<void> {
  const id = caps.idColumn;
  const add = (column: string, type: 'text' | 'integer', notNullDefault?: string | number) =>
    db.schema
      .alterTable('directories')
      .addColumn(column, type, (c) =>
        notNullDefault === undefined ? c : c.notNull().defaultTo(notNullDefault),
      )
      .execute();
  await add('settings', 'text', '{}');
  await add('sealed_secret', 'text');
  await add('adopt_local_accounts', 'integer', 1);
  await add('max_block_percent', 'integer', 10);
  await add('schedule', 'text');
  await add('watermark', 'text');
  await add('updated_at', 'text');

  await db.schema
    .createTable('directory_runs')
    .addColumn('id', id.type, id.modify)
    .addColumn('directory_id', 'integer', (c) =>
      c.notNull().references('directories.id').onDelete('cascade'),
    )
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'integer', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('started_by_label', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('phase', 'text')
    .addColumn('counts', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('stop_reason', 'text')
    .addColumn('would_block', 'text')
    .addColumn('item_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('directory_runs_directory_idx')
    .on('directory_runs')
    .columns(['directory_id', 'id'])
    .execute();

  await db.schema
    .createTable('directory_run_items')
    .addColumn('run_id', 'integer', (c) =>
      c.notNull().references('directory_runs.id').onDelete('cascade'),
    )
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('person_id', 'integer')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('changes', 'text')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('directory_run_items_pk', ['run_id', 'seq'])
    .execute();

  await db.schema
    .createTable('directory_leases')
    .addColumn('directory_id', 'integer', (c) =>
      c.primaryKey().references('directories.id').onDelete('cascade'),
    )
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}
