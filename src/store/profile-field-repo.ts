import type { Executor } from './people-repo.ts';
import type { ProfileFieldRow } from './schema.ts';

export function listProfileFieldRows(db: Executor): Promise<ProfileFieldRow[]> {
  return db.selectFrom('profile_fields').selectAll().orderBy('id').execute();
}

export async function deleteProfileFieldRow(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('profile_fields').where('id', '=', id).execute();
}
