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

/**
 * Each identity provider with its three provisioning options and the accounts it made
 * (origin sso, origin_source `idp:<id>`): one query with a grouped count joined in.
 */
export async function identityProvidersWithAccounts(db: Executor): Promise<
  {
    id: number;
    name: string;
    type: string;
    enabled: boolean;
    provision_on_first_login: boolean;
    not_found_redirect_url: string | null;
    provision_even_if_directories: boolean;
    accounts: number;
  }[]
> {
  const made = db
    .selectFrom('people')
    .select(['origin_source', (eb) => eb.fn.countAll<number>().as('n')])
    .where('origin', '=', 'sso')
    .groupBy('origin_source')
    .as('made');
  const rows = await db
    .selectFrom('identity_providers as p')
    // origin_source is `idp:<id>` (core/sso/types.ts idpProvider); || concatenates on both engines.
    .leftJoin(made, (j) => j.on(sql<boolean>`made.origin_source = ${sql.lit('idp:')} || p.id`))
    .select([
      'p.id',
      'p.name',
      'p.type',
      'p.enabled',
      'p.provision_on_first_login',
      'p.not_found_redirect_url',
      'p.provision_even_if_directories',
      'made.n',
    ])
    .orderBy('p.name')
    .orderBy('p.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    type: r.type,
    enabled: r.enabled === 1,
    provision_on_first_login: r.provision_on_first_login === 1,
    not_found_redirect_url: r.not_found_redirect_url,
    provision_even_if_directories: r.provision_even_if_directories === 1,
    accounts: Number(r.n ?? 0),
  }));
}
