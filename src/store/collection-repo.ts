/** SQL shared by groups, roles and extranet areas: named items, and memberships of people. */
import { isListed, type Executor } from './people-repo.ts';

export type CollectionTable = 'groups' | 'roles' | 'extranets';
export type MemberTable = 'group_members' | 'role_members';

export interface CollectionRow {
  id: number;
  name: string;
  name_key: string;
  description: string;
  parent_id?: number | null;
  extranet_id?: number | null;
  directory_id?: number | null;
  created_at: string;
  updated_at: string;
}

export async function listCollection(
  db: Executor,
  table: CollectionTable,
  offset: number,
  limit: number,
  q?: string,
): Promise<{ rows: CollectionRow[]; total: number }> {
  let rows = db.selectFrom(table).selectAll();
  let count = db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
  if (q) {
    const needle = `%${q.toLowerCase()}%`;
    rows = rows.where('name_key', 'like', needle);
    count = count.where('name_key', 'like', needle);
  }
  const [r, c] = await Promise.all([
    rows.orderBy('name_key').orderBy('id').offset(offset).limit(limit).execute(),
    count.executeTakeFirstOrThrow(),
  ]);
  return { rows: r, total: Number(c.n) };
}

export async function findCollectionItem(
  db: Executor,
  table: CollectionTable,
  id: number,
): Promise<CollectionRow | undefined> {
  return await db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCollectionByNameKeys(
  db: Executor,
  table: CollectionTable,
  keys: string[],
): Promise<CollectionRow[]> {
  if (keys.length === 0) return [];
  return await db.selectFrom(table).selectAll().where('name_key', 'in', keys).execute();
}

export async function insertCollectionItem(
  db: Executor,
  table: CollectionTable,
  values: Omit<CollectionRow, 'id'>,
): Promise<CollectionRow> {
  return await db.insertInto(table).values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateCollectionItem(
  db: Executor,
  table: CollectionTable,
  id: number,
  values: Partial<CollectionRow>,
): Promise<CollectionRow> {
  return await db
    .updateTable(table)
    .set(values as never)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteCollectionItem(
  db: Executor,
  table: CollectionTable,
  id: number,
): Promise<void> {
  await db.deleteFrom(table).where('id', '=', id).execute();
}

/** The column naming the group or role in a membership table. */
export function keyOf(table: MemberTable): 'group_id' | 'role_id' {
  return table === 'group_members' ? 'group_id' : 'role_id';
}

/** Ids of people listed to readers who are not administrators. */
function listedPeople(db: Executor) {
  return db.selectFrom('people').select('id').where(isListed);
}

export async function memberIds(
  db: Executor,
  table: MemberTable,
  itemId: number,
  listedOnly = false,
): Promise<number[]> {
  const key = keyOf(table);
  let q = db.selectFrom(table).select('person_id').where(key, '=', itemId);
  if (listedOnly) q = q.where('person_id', 'in', listedPeople(db));
  const rows = await q.orderBy('person_id').execute();
  return rows.map((r) => r.person_id);
}

/**
 * Adds the memberships that do not exist yet; returns the person ids this call added (a
 * concurrent transaction may have added the same person first: that is not an error).
 */
export async function addMembers(
  db: Executor,
  table: MemberTable,
  itemId: number,
  personIds: number[],
): Promise<number[]> {
  const key = keyOf(table);
  const added: number[] = [];
  for (let i = 0; i < personIds.length; i += 5000) {
    const values = personIds.slice(i, i + 5000).map((person_id) => ({ [key]: itemId, person_id }));
    const rows = await db
      .insertInto(table)
      .values(values)
      .onConflict((oc) => oc.doNothing())
      .returning('person_id')
      .execute();
    for (const r of rows) added.push(r.person_id);
  }
  return added;
}

/** Removes the memberships; returns the person ids this call removed. */
export async function removeMembers(
  db: Executor,
  table: MemberTable,
  itemId: number,
  personIds: number[],
): Promise<number[]> {
  const key = keyOf(table);
  const removed: number[] = [];
  for (let i = 0; i < personIds.length; i += 5000) {
    const rows = await db
      .deleteFrom(table)
      .where(key, '=', itemId)
      .where('person_id', 'in', personIds.slice(i, i + 5000))
      .returning('person_id')
      .execute();
    for (const r of rows) removed.push(r.person_id);
  }
  return removed;
}

/** The groups or roles a person belongs to. */
export async function itemsOfPerson(
  db: Executor,
  table: MemberTable,
  personId: number,
): Promise<CollectionRow[]> {
  const items: CollectionTable = table === 'group_members' ? 'groups' : 'roles';
  const key = keyOf(table);
  return await db
    .selectFrom(items)
    .selectAll(items)
    .where('id', 'in', db.selectFrom(table).select(key).where('person_id', '=', personId))
    .orderBy('name_key')
    .execute();
}

export async function countReferences(
  db: Executor,
  column: 'extranet_id',
  id: number,
): Promise<number> {
  const [p, r] = await Promise.all([
    db
      .selectFrom('people')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(column, '=', id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('roles')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(column, '=', id)
      .executeTakeFirstOrThrow(),
  ]);
  return Number(p.n) + Number(r.n);
}

export async function parentOf(db: Executor, groupId: number): Promise<number | null> {
  const r = await db
    .selectFrom('groups')
    .select('parent_id')
    .where('id', '=', groupId)
    .executeTakeFirst();
  return r?.parent_id ?? null;
}

export async function peopleInExtranet(
  db: Executor,
  extranetId: number,
  listedOnly = false,
): Promise<number[]> {
  let q = db.selectFrom('people').select('id').where('extranet_id', '=', extranetId);
  if (listedOnly) q = q.where('id', 'in', listedPeople(db));
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => r.id);
}
