/** SQL for CSV import runs and their reports. */
import type { Executor } from './people-repo.ts';
import type { ImportRow, ImportsTable } from './schema.ts';
import type { Insertable, Updateable } from 'kysely';

/** Every column but the (large) outcomes: what a report's status and a list need. */
const SUMMARY_COLUMNS = [
  'id',
  'created_by',
  'created_by_label',
  'gate',
  'created_at',
  'finished_at',
  'heartbeat_at',
  'mode',
  'valid_only',
  'status',
  'applied',
  'file_name',
  'row_count',
  'phase',
  'progress_done',
  'progress_total',
  'summary',
  'error',
  'runner',
] as const;

export async function insertImport(
  db: Executor,
  values: Insertable<ImportsTable>,
): Promise<ImportRow> {
  return db.insertInto('imports').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateImport(
  db: Executor,
  id: number,
  values: Updateable<ImportsTable>,
): Promise<void> {
  await db.updateTable('imports').set(values).where('id', '=', id).execute();
}

/** One import; without its outcomes unless asked (they can be large). */
export async function findImport(
  db: Executor,
  id: number,
  withOutcomes: boolean,
): Promise<ImportRow | undefined> {
  if (withOutcomes)
    return db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
  const r = await db
    .selectFrom('imports')
    .select(SUMMARY_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirst();
  return r ? { ...r, outcomes: null } : undefined;
}

/** Newest first. */
export async function listImports(
  db: Executor,
  offset: number,
  limit: number,
): Promise<{ rows: ImportRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('imports')
      .select(SUMMARY_COLUMNS)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .offset(offset)
      .limit(limit)
      .execute(),
    db
      .selectFrom('imports')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map((r) => ({ ...r, outcomes: null })), total: Number(count.n) };
}

/** Runs still marked running, with who runs them (for the start-up check). */
export async function runningImports(
  db: Executor,
): Promise<{ id: number; runner: string | null; applied: number }[]> {
  return db
    .selectFrom('imports')
    .select(['id', 'runner', 'applied'])
    .where('status', '=', 'running')
    .execute();
}

/** Marks a run interrupted, unless it finished meanwhile; says whether it did. */
export async function markInterrupted(
  db: Executor,
  id: number,
  values: { at: string; error: string },
): Promise<boolean> {
  const r = await db
    .updateTable('imports')
    .set({
      status: 'interrupted',
      finished_at: values.at,
      heartbeat_at: values.at,
      error: values.error,
    })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
