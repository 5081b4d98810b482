import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * Which process runs an import (`host pid token`, src/jobs/runner.ts), so that a server
 * starting on the same host can tell the runs of a process that has stopped from those of one
 * still running (a CLI import, another server) and mark the first `interrupted` at once,
 * instead of showing them `running` until their heartbeat goes stale. Null for older rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('imports').addColumn('runner', 'text').execute();
}
