/** SQL of directory syncs: a directory's identity links, its runs and their items, its lease. */
import { sql } from 'kysely';
import type { Executor } from './people-repo.ts';
import type { BlockedBy, DirectoryRunRow, DirectoryRunsTable, PersonRow } from './schema.ts';
import type { Insertable } from 'kysely';

/** Every identity link of a directory: stable id → person id. */
export async function linksOfProvider(
  db: Executor,
  provider: string,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('external_identities')
    .select(['external_id', 'person_id'])
    .where('provider', '=', provider)
    .execute();
  return new Map(rows.map((r) => [r.external_id, r.person_id]));
}

export async function linkOfPerson(
  db: Executor,
  provider: string,
  personId: number,
): Promise<string | undefined> {
  const r = await db
    .selectFrom('external_identities')
    .select('external_id')
    .where('provider', '=', provider)
    .where('person_id', '=', personId)
    .executeTakeFirst();
  return r?.external_id;
}

export async function insertLinks(
  db: Executor,
  provider: string,
  links: { externalId: string; personId: number }[],
  at: string,
): Promise<void> {
  for (let i = 0; i < links.length; i += 500)
    await db
      .insertInto('external_identities')
      .values(
        links.slice(i, i + 500).map((l) => ({
          provider,
          external_id: l.externalId,
          person_id: l.personId,
          created_at: at,
        })),
      )
      .execute();
}

export async function deleteLinksOfPerson(
  db: Executor,
  provider: string,
  personId: number,
): Promise<void> {
  await db
    .deleteFrom('external_identities')
    .where('provider', '=', provider)
    .where('person_id', '=', personId)
    .execute();
}

export async function peopleByIds(db: Executor, ids: number[]): Promise<PersonRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('people').selectAll().where('id', 'in', ids).execute();
}

/**
 * The columns a sync run's plan compares an entry with (the mapped fields, the username,
 * state and ownership): a run of 100,000 entries holds one of these per account while it
 * plans, so it reads these rather than whole rows.
 */
export const PLAN_COLUMNS = [
  'id',
  'username',
  'username_key',
  'directory_id',
  'state',
  'blocked_by',
  'manager_id',
  'profile',
  'firstname',
  'surname',
  'email',
  'user_code',
  'job_title',
  'department',
  'office',
  'phone',
  'mobile',
] as const;
export type PlanPersonRow = Pick<PersonRow, (typeof PLAN_COLUMNS)[number]>;

export async function planRowsByIds(db: Executor, ids: number[]): Promise<PlanPersonRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('people').select(PLAN_COLUMNS).where('id', 'in', ids).execute();
}

export async function planRowsByUsernameKeys(
  db: Executor,
  keys: string[],
): Promise<PlanPersonRow[]> {
  if (keys.length === 0) return [];
  return db.selectFrom('people').select(PLAN_COLUMNS).where('username_key', 'in', keys).execute();
}

/** Accounts a directory owns, by state (for the safety share and the overview). */
export async function ownedCounts(
  db: Executor,
  directoryId: number,
): Promise<{ active: number; all: number }> {
  const r = await db
    .selectFrom('people')
    .select([
      sql<number>`count(*)`.as('all'),
      sql<number>`sum(case when state = 'blocked' then 0 else 1 end)`.as('active'),
    ])
    .where('directory_id', '=', directoryId)
    .executeTakeFirst();
  return { all: Number(r?.all ?? 0), active: Number(r?.active ?? 0) };
}

export async function countOwnedBy(db: Executor, directoryId: number): Promise<number> {
  return (await ownedCounts(db, directoryId)).all;
}

// ---- runs

export async function insertRun(
  db: Executor,
  run: Insertable<DirectoryRunsTable>,
): Promise<DirectoryRunRow> {
  return db.insertInto('directory_runs').values(run).returningAll().executeTakeFirstOrThrow();
}

export async function updateRun(
  db: Executor,
  id: number,
  patch: Partial<Omit<DirectoryRunRow, 'id' | 'directory_id'>>,
): Promise<void> {
  await db.updateTable('directory_runs').set(patch).where('id', '=', id).execute();
}

export function findRun(db: Executor, id: number): Promise<DirectoryRunRow | undefined> {
  return db.selectFrom('directory_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listRuns(
  db: Executor,
  directoryId: number,
  limit: number,
  beforeId?: number,
): Promise<DirectoryRunRow[]> {
  let q = db
    .selectFrom('directory_runs')
    .selectAll()
    .where('directory_id', '=', directoryId)
    .orderBy('id', 'desc')
    .limit(limit);
  if (beforeId !== undefined) q = q.where('id', '<', beforeId);
  return q.execute();
}

export async function lastRunOf(
  db: Executor,
  directoryId: number,
): Promise<DirectoryRunRow | undefined> {
  return db
    .selectFrom('directory_runs')
    .selectAll()
    .where('directory_id', '=', directoryId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

const INTERRUPTED = {
  status: 'interrupted' as const,
  stop_reason:
    'The server stopped during this run. Whatever it had written is complete per batch; run the sync again to finish.',
};

/** Runs a previous process left running (its heartbeat stopped): marked interrupted. */
export async function interruptStaleRuns(db: Executor, staleBefore: string, at: string) {
  await db
    .updateTable('directory_runs')
    .set({ ...INTERRUPTED, finished_at: at })
    .where('status', '=', 'running')
    .where('heartbeat_at', '<', staleBefore)
    .execute();
}

/** Runs still marked running, with the process that runs them. */
export function runningRuns(
  db: Executor,
  directoryId?: number,
): Promise<{ id: number; directory_id: number; runner: string | null }[]> {
  let q = db
    .selectFrom('directory_runs')
    .select(['id', 'directory_id', 'runner'])
    .where('status', '=', 'running');
  if (directoryId !== undefined) q = q.where('directory_id', '=', directoryId);
  return q.execute();
}

/** Marks these runs interrupted, unless they finished meanwhile. */
export async function interruptRuns(db: Executor, ids: number[], at: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('directory_runs')
    .set({ ...INTERRUPTED, finished_at: at })
    .where('id', 'in', ids)
    .where('status', '=', 'running')
    .execute();
}

export interface RunItem {
  seq: number;
  entry: string;
  person_id: number | null;
  action: string;
  changes: string | null;
  error: string | null;
}

export async function insertRunItems(db: Executor, runId: number, items: RunItem[]) {
  for (let i = 0; i < items.length; i += 400)
    await db
      .insertInto('directory_run_items')
      .values(items.slice(i, i + 400).map((it) => ({ run_id: runId, ...it })))
      .execute();
}

export function listRunItems(
  db: Executor,
  runId: number,
  opts: { afterSeq: number; limit: number; action?: string | undefined },
): Promise<RunItem[]> {
  let q = db
    .selectFrom('directory_run_items')
    .select(['seq', 'entry', 'person_id', 'action', 'changes', 'error'])
    .where('run_id', '=', runId)
    .where('seq', '>', opts.afterSeq)
    .orderBy('seq')
    .limit(opts.limit);
  // "groups": every item of the group part (group_created, group_members, …, group_error).
  if (opts.action === 'groups') q = q.where('action', 'like', 'group%');
  else if (opts.action !== undefined) q = q.where('action', '=', opts.action);
  return q.execute();
}

// ---- lease: one node runs a directory's sync at a time

/** Takes the lease when free or expired; true when this holder has it. */
export async function takeLease(
  db: Executor,
  directoryId: number,
  holder: string,
  now: string,
  until: string,
): Promise<boolean> {
  await db
    .insertInto('directory_leases')
    .values({ directory_id: directoryId, holder: '', expires_at: '' })
    .onConflict((oc) => oc.column('directory_id').doNothing())
    .execute();
  const r = await db
    .updateTable('directory_leases')
    .set({ holder, expires_at: until })
    .where('directory_id', '=', directoryId)
    .where((eb) => eb.or([eb('expires_at', '<', now), eb('holder', '=', holder)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Who holds a directory's lease now (an expired or released lease has expires_at '' or past). */
export async function leaseOf(
  db: Executor,
  directoryId: number,
): Promise<{ holder: string; expires_at: string } | undefined> {
  return db
    .selectFrom('directory_leases')
    .select(['holder', 'expires_at'])
    .where('directory_id', '=', directoryId)
    .executeTakeFirst();
}

/** Takes the lease from a holder known to be gone, unless someone took it meanwhile. */
export async function takeLeaseFrom(
  db: Executor,
  directoryId: number,
  previous: string,
  holder: string,
  until: string,
): Promise<boolean> {
  const r = await db
    .updateTable('directory_leases')
    .set({ holder, expires_at: until })
    .where('directory_id', '=', directoryId)
    .where('holder', '=', previous)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function releaseLease(db: Executor, directoryId: number, holder: string) {
  await db
    .updateTable('directory_leases')
    .set({ expires_at: '' })
    .where('directory_id', '=', directoryId)
    .where('holder', '=', holder)
    .execute();
}

/** When the directory last started a real (not dry) run, for its schedule. */
export async function lastRealRunStart(
  db: Executor,
  directoryId: number,
): Promise<string | undefined> {
  const r = await db
    .selectFrom('directory_runs')
    .select('started_at')
    .where('directory_id', '=', directoryId)
    .where('dry_run', '=', 0)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.started_at;
}

/** When the directory last started a full, completed, real run (incremental runs wait on it). */
export async function lastFullRunStart(
  db: Executor,
  directoryId: number,
): Promise<string | undefined> {
  const r = await db
    .selectFrom('directory_runs')
    .select('started_at')
    .where('directory_id', '=', directoryId)
    .where('dry_run', '=', 0)
    .where('mode', '=', 'full')
    .where('status', '=', 'completed')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.started_at;
}

/** Which of these people hold an administration grant (a directory never adopts them). */
export async function administratorsAmong(db: Executor, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('admin_grants')
    .select('person_id')
    .distinct()
    .where('person_id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.person_id));
}

/**
 * A retired directory's accounts become local ones: no password until one is set, and the
 * blocks the directory made become administrators' blocks. Answers who was released.
 */
export async function releaseOwnedAccounts(
  db: Executor,
  directoryId: number,
  provider: string,
  at: string,
): Promise<{ id: number; username: string; state: string; blocked_by: string | null }[]> {
  const owned = await db
    .selectFrom('people')
    .select(['id', 'username', 'state', 'blocked_by'])
    .where('directory_id', '=', directoryId)
    .execute();
  await db
    .updateTable('people')
    .set((eb) => ({
      directory_id: null,
      password_authority: 'local',
      password_hash: null,
      blocked_by: eb
        .case()
        .when('state', '=', 'blocked')
        .then(sql.lit<BlockedBy>('admin'))
        .else(eb.ref('blocked_by'))
        .end(),
      updated_at: at,
      version: eb('version', '+', 1),
    }))
    .where('directory_id', '=', directoryId)
    .execute();
  await db.deleteFrom('external_identities').where('provider', '=', provider).execute();
  return owned;
}
