/** Counts for the provisioning overview: a handful of GROUP BY queries, identical on both engines. */
import { sql } from 'kysely';
import type { Executor } from './people-repo.ts';

export interface CountRow {
  key: string;
  count: number;
}

const toRows = (rows: { key: string | null; count: number | string | bigint }[]): CountRow[] =>
  rows.map((r) => ({ key: r.key ?? '', count: Number(r.count) }));

export async function countPeopleBy(
  db: Executor,
  column: 'password_authority' | 'state',
): Promise<CountRow[]> {
  const rows = await db
    .selectFrom('people')
    .select([
      sql<string>`${sql.ref(column)}`.as('key'),
      (eb) => eb.fn.countAll<number>().as('count'),
    ])
    .groupBy(column)
    .execute();
  return toRows(rows);
}

/** People per directory; the local accounts come back under key "" . */
export async function countPeopleByDirectory(
  db: Executor,
): Promise<{ directoryId: number | null; count: number }[]> {
  const rows = await db
    .selectFrom('people')
    .select(['directory_id', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('directory_id')
    .execute();
  return rows.map((r) => ({ directoryId: r.directory_id, count: Number(r.count) }));
}

export async function apiKeyCounts(
  db: Executor,
  now: string,
  since: string,
): Promise<{ active: number; usedSince: number }> {
  const row = await db
    .selectFrom('api_keys')
    .select([
      (eb) => eb.fn.countAll<number>().as('active'),
      (eb) =>
        eb.fn
          .sum<number>(sql`case when last_used_at >= ${since} then 1 else 0 end`)
          .as('used_since'),
    ])
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirstOrThrow();
  return { active: Number(row.active), usedSince: Number(row.used_since ?? 0) };
}

/** Applied CSV imports: how many, and the last one. */
export async function csvImportCounts(
  db: Executor,
): Promise<{ applied: number; lastAt: string | null }> {
  const row = await db
    .selectFrom('imports')
    .select([
      (eb) => eb.fn.countAll<number>().as('applied'),
      (eb) => eb.fn.max('finished_at').as('last_at'),
    ])
    .where('mode', '=', 'apply')
    .where('applied', '=', 1)
    .executeTakeFirstOrThrow();
  return { applied: Number(row.applied), lastAt: row.last_at ?? null };
}

/** Accounts by origin, with the first and the latest creation through each. */
export async function peopleByOrigin(
  db: Executor,
): Promise<{ origin: string; count: number; first: string | null; last: string | null }[]> {
  const rows = await db
    .selectFrom('people')
    .select([
      'origin',
      (eb) => eb.fn.countAll<number>().as('count'),
      (eb) => eb.fn.min('created_at').as('first'),
      (eb) => eb.fn.max('created_at').as('last'),
    ])
    .groupBy('origin')
    .execute();
  return rows.map((r) => ({
    origin: r.origin,
    count: Number(r.count),
    first: r.first ?? null,
    last: r.last ?? null,
  }));
}
