import type { Executor } from './people-repo.ts';
import type { Insertable } from 'kysely';
import type { DirectoriesTable, DirectoryRow } from './schema.ts';

export function findDirectory(db: Executor, id: number): Promise<DirectoryRow | undefined> {
  return db.selectFrom('directories').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listDirectories(db: Executor): Promise<DirectoryRow[]> {
  return db.selectFrom('directories').selectAll().orderBy('id').execute();
}

export async function insertDirectory(
  db: Executor,
  name: string,
  kind: string,
  ownedFields: string[],
  at: string,
): Promise<DirectoryRow> {
  return db
    .insertInto('directories')
    .values({ name, kind, owned_fields: JSON.stringify(ownedFields), created_at: at })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A directory row's writable columns (the core makes them from a directory's settings). */
export type DirectoryColumns = Omit<
  Insertable<DirectoriesTable>,
  'id' | 'created_at' | 'watermark'
> & { updated_at: string };

export function insertDirectoryRow(
  db: Executor,
  columns: DirectoryColumns,
  at: string,
): Promise<DirectoryRow> {
  return db
    .insertInto('directories')
    .values({ ...columns, created_at: at })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function updateDirectoryRow(
  db: Executor,
  id: number,
  columns: Partial<DirectoryColumns>,
): Promise<DirectoryRow> {
  return db
    .updateTable('directories')
    .set(columns)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Removes a directory with its identity links; the groups it owned stay, as ordinary groups. */
export async function deleteDirectoryRow(db: Executor, id: number, provider: string) {
  await db.deleteFrom('external_identities').where('provider', '=', provider).execute();
  await db
    .updateTable('groups')
    .set({ directory_id: null })
    .where('directory_id', '=', id)
    .execute();
  await db.deleteFrom('directories').where('id', '=', id).execute();
}

export async function setWatermark(db: Executor, id: number, watermark: string): Promise<void> {
  await db.updateTable('directories').set({ watermark }).where('id', '=', id).execute();
}
