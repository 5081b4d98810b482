/** SQL for external identity links: (provider, external id) → person. */
import type { Insertable } from 'kysely';
import type { Executor } from './people-repo.ts';
import type { ExternalIdentitiesTable } from './schema.ts';

export type IdentityRow = Insertable<ExternalIdentitiesTable>;

export function identityRow(
  provider: string,
  externalId: string,
  personId: number,
  at: string,
): IdentityRow {
  return { provider, external_id: externalId, person_id: personId, created_at: at };
}

export async function insertIdentity(
  db: Executor,
  provider: string,
  externalId: string,
  personId: number,
  at: string,
): Promise<void> {
  await db
    .insertInto('external_identities')
    .values(identityRow(provider, externalId, personId, at))
    .execute();
}

export async function personForIdentity(
  db: Executor,
  provider: string,
  externalId: string,
): Promise<number | undefined> {
  const r = await db
    .selectFrom('external_identities')
    .select('person_id')
    .where('provider', '=', provider)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return r?.person_id;
}

export function identitiesOfPerson(
  db: Executor,
  personId: number,
): Promise<{ provider: string; external_id: string; created_at: string }[]> {
  return db
    .selectFrom('external_identities')
    .select(['provider', 'external_id', 'created_at'])
    .where('person_id', '=', personId)
    .orderBy('provider')
    .execute();
}
