/** SQL for profile photos. */
import type { Executor } from './people-repo.ts';

export async function replacePhoto(
  db: Executor,
  personId: number,
  contentType: string,
  data: Buffer,
  at: string,
): Promise<void> {
  await db.deleteFrom('photos').where('person_id', '=', personId).execute();
  await db
    .insertInto('photos')
    .values({ person_id: personId, content_type: contentType, data, updated_at: at })
    .execute();
}

export async function readPhoto(
  db: Executor,
  personId: number,
): Promise<{ contentType: string; data: Buffer } | undefined> {
  const r = await db
    .selectFrom('photos')
    .select(['content_type', 'data'])
    .where('person_id', '=', personId)
    .executeTakeFirst();
  return r ? { contentType: r.content_type, data: Buffer.from(r.data) } : undefined;
}
