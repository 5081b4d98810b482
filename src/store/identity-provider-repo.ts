/** SQL for identity providers (SSO login handler); JSON columns are parsed in the core. */
import type { Insertable, Updateable } from 'kysely';
import type { Executor } from './people-repo.ts';
import type { IdentityProviderRow, IdentityProvidersTable } from './schema.ts';

export function findIdentityProvider(
  db: Executor,
  id: number,
): Promise<IdentityProviderRow | undefined> {
  return db.selectFrom('identity_providers').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listIdentityProviders(db: Executor): Promise<IdentityProviderRow[]> {
  return db.selectFrom('identity_providers').selectAll().orderBy('id').execute();
}

export function insertIdentityProvider(
  db: Executor,
  row: Insertable<IdentityProvidersTable>,
): Promise<IdentityProviderRow> {
  return db.insertInto('identity_providers').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateIdentityProvider(
  db: Executor,
  id: number,
  patch: Updateable<IdentityProvidersTable>,
): Promise<IdentityProviderRow | undefined> {
  return db
    .updateTable('identity_providers')
    .set(patch)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteIdentityProvider(db: Executor, id: number): Promise<boolean> {
  const r = await db.deleteFrom('identity_providers').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Accounts an IdP made (origin sso, origin_source idp:<id>), for the provisioning overview. */
export async function countProvisionedBy(db: Executor): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('people')
    .select(['origin_source', (eb) => eb.fn.countAll<number>().as('n')])
    .where('origin', '=', 'sso')
    .groupBy('origin_source')
    .execute();
  return new Map(rows.map((r) => [r.origin_source ?? '', Number(r.n)]));
}

/** Removes the identity links of a deleted provider (they name it only by key). */
export async function deleteIdentitiesOfProvider(db: Executor, provider: string): Promise<number> {
  const r = await db
    .deleteFrom('external_identities')
    .where('provider', '=', provider)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
