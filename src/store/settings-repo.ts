import type { Executor } from './people-repo.ts';

export async function readSetting(db: Executor, key: string): Promise<string | undefined> {
  const r = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst();
  return r?.value;
}

export async function writeSetting(
  db: Executor,
  key: string,
  value: string,
  at: string,
): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at }))
    .execute();
}
