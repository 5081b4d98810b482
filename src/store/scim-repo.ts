/** SQL for SCIM resources (users, groups, their filterable values) and the request log. */
import type { Insertable, RawBuilder, Selectable, SqlBool } from 'kysely';
import type { Executor } from './people-repo.ts';
import type {
  ScimGroupsTable,
  ScimRequestsTable,
  ScimUsersTable,
  ScimValuesTable,
} from './schema.ts';

export type ScimUserRow = Selectable<ScimUsersTable>;
export type ScimGroupRow = Selectable<ScimGroupsTable>;
export type ScimValueRow = Insertable<ScimValuesTable>;
export type ScimRequestRow = Selectable<ScimRequestsTable>;

export async function insertScimUser(db: Executor, row: Insertable<ScimUsersTable>): Promise<void> {
  await db.insertInto('scim_users').values(row).execute();
}

/** A claim left by a create that never finished (a crash between its steps), older than `before`. */
export async function deleteStaleClaim(
  db: Executor,
  directoryId: number,
  userNameKey: string,
  before: string,
): Promise<number> {
  const rows = await db
    .deleteFrom('scim_users')
    .where('directory_id', '=', directoryId)
    .where('user_name_key', '=', userNameKey)
    .where('person_id', 'is', null)
    .where('created_at', '<', before)
    .returning('scim_id')
    .execute();
  return rows.length;
}

export function findScimUser(
  db: Executor,
  directoryId: number,
  scimId: string,
): Promise<ScimUserRow | undefined> {
  return db
    .selectFrom('scim_users')
    .selectAll()
    .where('scim_id', '=', scimId)
    .where('directory_id', '=', directoryId)
    .where('person_id', 'is not', null)
    .executeTakeFirst();
}

export function findScimUserByName(
  db: Executor,
  directoryId: number,
  userNameKey: string,
): Promise<ScimUserRow | undefined> {
  return db
    .selectFrom('scim_users')
    .selectAll()
    .where('directory_id', '=', directoryId)
    .where('user_name_key', '=', userNameKey)
    .executeTakeFirst();
}

/** Writes the user's row and replaces its filterable values. */
export async function saveScimUser(
  db: Executor,
  scimId: string,
  values: Partial<Omit<ScimUserRow, 'scim_id' | 'directory_id'>>,
  filterable: ScimValueRow[],
): Promise<void> {
  await db.updateTable('scim_users').set(values).where('scim_id', '=', scimId).execute();
  await db.deleteFrom('scim_values').where('scim_id', '=', scimId).execute();
  for (let i = 0; i < filterable.length; i += 500)
    await db
      .insertInto('scim_values')
      .values(filterable.slice(i, i + 500))
      .execute();
}

export async function deleteScimUser(db: Executor, scimId: string): Promise<void> {
  await db.deleteFrom('scim_values').where('scim_id', '=', scimId).execute();
  await db.deleteFrom('scim_users').where('scim_id', '=', scimId).execute();
}

/** A page of a directory's users matching a compiled filter, and how many match. */
export async function listScimUsers(
  db: Executor,
  directoryId: number,
  cond: RawBuilder<SqlBool> | undefined,
  offset: number,
  limit: number,
): Promise<{ rows: ScimUserRow[]; total: number }> {
  let q = db
    .selectFrom('scim_users as su')
    .where('su.directory_id', '=', directoryId)
    .where('su.person_id', 'is not', null);
  if (cond) q = q.where(cond);
  const rows =
    limit === 0
      ? []
      : await q
          .selectAll('su')
          .orderBy('su.created_at')
          .orderBy('su.scim_id')
          .offset(offset)
          .limit(limit)
          .execute();
  // A short first page is the whole answer: the usual lookup by userName needs no COUNT.
  if (limit > 0 && rows.length < limit && (rows.length > 0 || offset === 0))
    return { rows, total: offset + rows.length };
  const c = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(c.n) };
}

/** SCIM user ids of this directory → their people (unknown ids are left out). */
export async function personIdsOf(
  db: Executor,
  directoryId: number,
  scimIds: string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < scimIds.length; i += 1000) {
    const rows = await db
      .selectFrom('scim_users')
      .select(['scim_id', 'person_id'])
      .where('directory_id', '=', directoryId)
      .where('scim_id', 'in', scimIds.slice(i, i + 1000))
      .where('person_id', 'is not', null)
      .execute();
    for (const r of rows) out.set(r.scim_id, r.person_id!);
  }
  return out;
}

export async function insertScimGroup(
  db: Executor,
  row: Insertable<ScimGroupsTable>,
): Promise<void> {
  await db.insertInto('scim_groups').values(row).execute();
}

export function findScimGroup(
  db: Executor,
  directoryId: number,
  scimId: string,
): Promise<ScimGroupRow | undefined> {
  return db
    .selectFrom('scim_groups')
    .selectAll()
    .where('scim_id', '=', scimId)
    .where('directory_id', '=', directoryId)
    .executeTakeFirst();
}

export async function updateScimGroup(
  db: Executor,
  scimId: string,
  values: Partial<Omit<ScimGroupRow, 'scim_id' | 'directory_id' | 'group_id'>>,
): Promise<void> {
  await db.updateTable('scim_groups').set(values).where('scim_id', '=', scimId).execute();
}

export async function listScimGroups(
  db: Executor,
  directoryId: number,
  cond: RawBuilder<SqlBool> | undefined,
  offset: number,
  limit: number,
): Promise<{ rows: ScimGroupRow[]; total: number }> {
  let q = db.selectFrom('scim_groups as sg').where('sg.directory_id', '=', directoryId);
  if (cond) q = q.where(cond);
  const rows =
    limit === 0
      ? []
      : await q
          .selectAll('sg')
          .orderBy('sg.created_at')
          .orderBy('sg.scim_id')
          .offset(offset)
          .limit(limit)
          .execute();
  if (limit > 0 && rows.length < limit && (rows.length > 0 || offset === 0))
    return { rows, total: offset + rows.length };
  const c = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(c.n) };
}

/** The members of a group as SCIM users of the directory (id and displayName). */
export function scimMembersOf(
  db: Executor,
  directoryId: number,
  groupId: number,
): Promise<{ scim_id: string; display_name: string | null; user_name: string }[]> {
  return db
    .selectFrom('group_members as gm')
    .innerJoin('scim_users as mu', (j) =>
      j.onRef('mu.person_id', '=', 'gm.person_id').on('mu.directory_id', '=', directoryId),
    )
    .select(['mu.scim_id', 'mu.display_name', 'mu.user_name'])
    .where('gm.group_id', '=', groupId)
    .orderBy('mu.scim_id')
    .execute();
}

export async function insertScimRequest(
  db: Executor,
  row: Insertable<ScimRequestsTable>,
): Promise<number> {
  const r = await db
    .insertInto('scim_requests')
    .values(row)
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Keeps the newest `keep` requests of the directory. */
export async function pruneScimRequests(
  db: Executor,
  directoryId: number,
  keep: number,
): Promise<void> {
  const cut = await db
    .selectFrom('scim_requests')
    .select('id')
    .where('directory_id', '=', directoryId)
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (cut)
    await db
      .deleteFrom('scim_requests')
      .where('directory_id', '=', directoryId)
      .where('id', '<=', cut.id)
      .execute();
}

export function listScimRequests(
  db: Executor,
  directoryId: number,
  limit: number,
  before?: number,
): Promise<ScimRequestRow[]> {
  let q = db.selectFrom('scim_requests').selectAll().where('directory_id', '=', directoryId);
  if (before !== undefined) q = q.where('id', '<', before);
  return q.orderBy('id', 'desc').limit(limit).execute();
}
