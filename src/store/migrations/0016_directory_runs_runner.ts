import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * Which process runs a directory sync (`host pid token`, src/jobs/runner.ts), as imports have
 * since 0012: a server restarted after a crash tells the runs of the dead process from those
 * of a live one, marks them `interrupted` at once and takes over their lease, instead of
 * showing them `running` and refusing new runs until the lease expires. Null for older rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('directory_runs').addColumn('runner', 'text').execute();
}
