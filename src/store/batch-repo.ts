/** SQL that people batches (CSV imports, syncs) run over many people at once. */
import type { Executor } from './people-repo.ts';
import { bulkInsert } from './bulk-insert.ts';
import type { Capabilities } from './capabilities.ts';
import { keyOf, type MemberTable } from './collection-repo.ts';

export function idsByUsernameKeys(
  db: Executor,
  keys: string[],
): Promise<{ id: number; username_key: string }[]> {
  return db
    .selectFrom('people')
    .select(['id', 'username_key'])
    .where('username_key', 'in', keys)
    .execute();
}

/** (person, group or role) pairs of these people. */
export async function membershipPairs(
  db: Executor,
  table: MemberTable,
  personIds: number[],
): Promise<{ person_id: number; item_id: number }[]> {
  const key = keyOf(table);
  const rows = (await db
    .selectFrom(table)
    .select(['person_id', key])
    .where('person_id', 'in', personIds)
    .execute()) as { person_id: number; group_id?: number; role_id?: number }[];
  return rows.map((r) => ({ person_id: r.person_id, item_id: (r.group_id ?? r.role_id)! }));
}

/** Who holds each of these emails (keys) or user codes. */
export async function holdersOf(
  db: Executor,
  column: 'email_key' | 'user_code',
  values: string[],
): Promise<{ id: number; value: string }[]> {
  const rows = await db
    .selectFrom('people')
    .select(['id', column])
    .where(column, 'in', values)
    .execute();
  return rows.map((r) => ({ id: r.id, value: String(r[column]) }));
}

/** Every stored manager link, for checking loops across a whole batch. */
export function managerLinks(db: Executor): Promise<{ id: number; manager_id: number | null }[]> {
  return db
    .selectFrom('people')
    .select(['id', 'manager_id'])
    .where('manager_id', 'is not', null)
    .execute();
}

/** Clears a unique column of these people so values can move between them within one transaction. */
export async function clearUniqueColumn(
  db: Executor,
  column: 'email_key' | 'user_code',
  ids: number[],
): Promise<void> {
  await db
    .updateTable('people')
    .set({ [column]: null })
    .where('id', 'in', ids)
    .execute();
}

export async function deleteMembershipsOf(
  db: Executor,
  table: MemberTable,
  personIds: number[],
): Promise<void> {
  await db.deleteFrom(table).where('person_id', 'in', personIds).execute();
}

/**
 * Inserts (person, group or role) pairs. Sent as SQL text (bulk-insert.ts), not through
 * Kysely's `values()`: parsing 300,000 pair objects into query trees was about 3 % of a
 * 100,000-row CSV import (profile of `gatehouse users import`).
 */
export async function insertMemberships(
  db: Executor,
  caps: Capabilities,
  table: MemberTable,
  pairs: { person_id: number; item_id: number }[],
  maxParameters: number,
): Promise<void> {
  const key = keyOf(table);
  await bulkInsert<Record<string, number>>(
    db,
    caps,
    table,
    [key, 'person_id'],
    pairs.map((p) => ({ [key]: p.item_id, person_id: p.person_id })),
    { maxParameters },
  );
}
