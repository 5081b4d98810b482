/** SQL for the people export: everyone, a page at a time in id order (keyset paging). */
import type { Executor } from './people-repo.ts';
import type { PersonRow } from './schema.ts';

/** The next `limit` people with an id above `afterId`, blocked and frozen ones included. */
export function peopleAfter(db: Executor, afterId: number, limit: number): Promise<PersonRow[]> {
  return db
    .selectFrom('people')
    .selectAll()
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
