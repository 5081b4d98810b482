import type { Executor } from './people-repo.ts';
import type { DirectoryRow } from './schema.ts';

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
