/**
 * SQL for SSO logins: the logins in progress (single use, carried in RelayState / state)
 * and the lookups of the first-login decision.
 */
import { sql } from 'kysely';
import type { Executor } from './people-repo.ts';
import type { PersonRow, SsoLoginRequestRow } from './schema.ts';

export async function insertLoginRequest(db: Executor, row: SsoLoginRequestRow): Promise<void> {
  await db.insertInto('sso_login_requests').values(row).execute();
}

/**
 * Takes a login request once: the update only matches an unused, unexpired row of this
 * browser, so of two callbacks carrying the same id (a replay, a double click, two nodes)
 * exactly one gets it, and a callback from another browser gets nothing (and takes nothing:
 * the browser that started the login can still finish it).
 */
export function takeLoginRequest(
  db: Executor,
  id: string,
  browserHash: string,
  now: string,
): Promise<SsoLoginRequestRow | undefined> {
  return db
    .updateTable('sso_login_requests')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where('browser_hash', '=', browserHash)
    .returningAll()
    .executeTakeFirst();
}

/** A login request as it is, for saying why it could not be taken. */
export function findLoginRequest(
  db: Executor,
  id: string,
): Promise<Pick<SsoLoginRequestRow, 'used_at' | 'expires_at'> | undefined> {
  return db
    .selectFrom('sso_login_requests')
    .select(['used_at', 'expires_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function deleteLoginRequestsBefore(db: Executor, before: string): Promise<void> {
  await db.deleteFrom('sso_login_requests').where('expires_at', '<', before).execute();
}

/**
 * People whose email is this one. With unique emails the indexed email_key (the caller's
 * normalised key) is used; otherwise emails are compared without case.
 */
export function findPeopleByEmail(
  db: Executor,
  email: string,
  key: string | null,
  limit = 3,
): Promise<PersonRow[]> {
  let q = db.selectFrom('people').selectAll();
  q =
    key !== null
      ? q.where('email_key', '=', key)
      : q.where(sql<string>`lower(email)`, '=', email.toLowerCase()).where('email', '!=', '');
  return q.orderBy('id').limit(limit).execute();
}

/** The external ids that link a person to one provider. */
export async function subjectsOfPerson(
  db: Executor,
  provider: string,
  personId: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('external_identities')
    .select('external_id')
    .where('provider', '=', provider)
    .where('person_id', '=', personId)
    .execute();
  return rows.map((r) => r.external_id);
}

/** Links an identity unless it exists; returns the person it is linked to afterwards. */
export async function linkIdentityOnce(
  db: Executor,
  provider: string,
  externalId: string,
  personId: number,
  at: string,
): Promise<number | undefined> {
  await db
    .insertInto('external_identities')
    .values({ provider, external_id: externalId, person_id: personId, created_at: at })
    .onConflict((oc) => oc.columns(['provider', 'external_id']).doNothing())
    .execute();
  const r = await db
    .selectFrom('external_identities')
    .select('person_id')
    .where('provider', '=', provider)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return r?.person_id;
}

export async function deleteIdentity(
  db: Executor,
  provider: string,
  externalId: string,
  personId: number,
): Promise<boolean> {
  const r = await db
    .deleteFrom('external_identities')
    .where('provider', '=', provider)
    .where('external_id', '=', externalId)
    .where('person_id', '=', personId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function countDirectories(db: Executor): Promise<number> {
  const r = await db
    .selectFrom('directories')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
