/** SQL for external identity links: (provider, external id) → person. */
import type { Insertable } from 'kysely';
import type { Executor } from './people-repo.ts';
import { compiledLookup, rowOf, sampleValues } from './compiled-lookup.ts';
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

export const IDENTITY_COLUMNS = [
  'provider',
  'external_id',
  'person_id',
  'created_at',
] as const satisfies readonly (keyof ExternalIdentitiesTable)[];

/**
 * The link's one-row insert, compiled once (compiled-lookup.ts): every account a directory
 * or a SCIM create makes writes one, and building it with Kysely each time was part of the
 * SCIM create's CPU on SQLite (session 9). Its arguments are the values in column order.
 */
const identityInsert = compiledLookup(
  'identityInsert',
  (db: Executor, ...values: unknown[]) =>
    db.insertInto('external_identities').values(rowOf<IdentityRow>(IDENTITY_COLUMNS, values)),
  sampleValues(IDENTITY_COLUMNS.length),
);

export async function insertIdentityRow(db: Executor, row: IdentityRow): Promise<void> {
  await identityInsert(db, ...IDENTITY_COLUMNS.map((c) => row[c]));
}

export async function insertIdentity(
  db: Executor,
  provider: string,
  externalId: string,
  personId: number,
  at: string,
): Promise<void> {
  await insertIdentityRow(db, identityRow(provider, externalId, personId, at));
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
