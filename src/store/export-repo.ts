/** SQL for the people export: everyone, a page at a time in id order (keyset paging). */
import type { Executor } from './people-repo.ts';
import type { PersonRow } from './schema.ts';

/** The columns the export writes (and keyset-pages by). */
export const EXPORT_PERSON_COLUMNS = [
  'id',
  'username',
  'firstname',
  'surname',
  'email',
  'user_code',
  'job_title',
  'department',
  'office',
  'phone',
  'mobile',
  'state',
  'must_change_password',
  'manager_id',
  'extranet_id',
  'profile',
] as const satisfies readonly (keyof PersonRow)[];

export type ExportPersonRow = Pick<PersonRow, (typeof EXPORT_PERSON_COLUMNS)[number]>;

/**
 * The next `limit` people with an id above `afterId`, blocked and frozen ones included: only
 * the columns the export writes. Why not `*`: the other twenty columns (the search text, the
 * password hash, timestamps…) made better-sqlite3 build three times the values, and reading
 * 100,000 people took about 1.2 s of CPU instead of 0.4 (most of the export).
 */
export function peopleAfter(
  db: Executor,
  afterId: number,
  limit: number,
): Promise<ExportPersonRow[]> {
  return db
    .selectFrom('people')
    .select(EXPORT_PERSON_COLUMNS)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Group or role ids of the people with ids from `fromId` to `toId`, by person. */
export async function membershipsBetween(
  db: Executor,
  table: 'group_members' | 'role_members',
  fromId: number,
  toId: number,
): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  const rows =
    table === 'group_members'
      ? await db
          .selectFrom('group_members')
          .select(['person_id', 'group_id as item_id'])
          .where('person_id', '>=', fromId)
          .where('person_id', '<=', toId)
          .execute()
      : await db
          .selectFrom('role_members')
          .select(['person_id', 'role_id as item_id'])
          .where('person_id', '>=', fromId)
          .where('person_id', '<=', toId)
          .execute();
  for (const r of rows) {
    const list = out.get(r.person_id);
    if (list) list.push(r.item_id);
    else out.set(r.person_id, [r.item_id]);
  }
  return out;
}

/** Every group, role or extranet area: id → name. */
export async function namesOf(
  db: Executor,
  table: 'groups' | 'roles' | 'extranets',
): Promise<Map<number, string>> {
  const rows = await db.selectFrom(table).select(['id', 'name']).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
