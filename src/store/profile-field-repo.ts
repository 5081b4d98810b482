import type { Executor } from './people-repo.ts';
import type { Insertable, Updateable } from 'kysely';
import type { ProfileFieldRow, ProfileFieldsTable } from './schema.ts';

export function listProfileFieldRows(db: Executor): Promise<ProfileFieldRow[]> {
  return db.selectFrom('profile_fields').selectAll().orderBy('id').execute();
}

export async function deleteProfileFieldRow(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('profile_fields').where('id', '=', id).execute();
}

export function insertProfileFieldRow(
  db: Executor,
  values: Insertable<ProfileFieldsTable>,
): Promise<ProfileFieldRow> {
  return db.insertInto('profile_fields').values(values).returningAll().executeTakeFirstOrThrow();
}

export function updateProfileFieldRow(
  db: Executor,
  id: number,
  values: Updateable<ProfileFieldsTable>,
): Promise<ProfileFieldRow> {
  return db
    .updateTable('profile_fields')
    .set(values)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
