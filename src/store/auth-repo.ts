/** SQL for grants, API keys and sessions. */
import type { Executor } from './people-repo.ts';
import { everyColumn } from './bulk-insert.ts';
import { compiledLookup, rowOf, sampleValues } from './compiled-lookup.ts';
import type { ApiKeyRow, SessionRow } from './schema.ts';

export async function grantsOf(db: Executor, personId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('admin_grants')
    .select('grant')
    .where('person_id', '=', personId)
    .execute();
  return rows.map((r) => r.grant);
}

export async function addGrant(
  db: Executor,
  personId: number,
  grant: string,
  at: string,
): Promise<boolean> {
  const r = await db
    .insertInto('admin_grants')
    .values({ person_id: personId, grant, created_at: at })
    .onConflict((oc) => oc.columns(['person_id', 'grant']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function removeGrant(db: Executor, personId: number, grant: string): Promise<boolean> {
  const r = await db
    .deleteFrom('admin_grants')
    .where('person_id', '=', personId)
    .where('grant', '=', grant)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function countGrantHolders(db: Executor, grant: string): Promise<number> {
  const r = await db
    .selectFrom('admin_grants')
    .innerJoin('people', 'people.id', 'admin_grants.person_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('grant', '=', grant)
    .where('people.state', '!=', 'blocked')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function insertApiKey(
  db: Executor,
  values: Omit<ApiKeyRow, 'id'>,
): Promise<ApiKeyRow> {
  return db.insertInto('api_keys').values(values).returningAll().executeTakeFirstOrThrow();
}

/**
 * A key, what authentication needs of its owner, and the owner's grants, in one query: this
 * runs on every API request, and one round trip instead of two (key, then grants) is a
 * measured gain (bench/api.bench.ts). The join gives one row per grant (or one with a null
 * grant); they are folded into one result here.
 */
/** The key, its owner's state and grants, in one query (prepared on PostgreSQL: prepared.ts). */
export function apiKeyForAuthQuery(db: Executor, keyHash: string) {
  return db
    .selectFrom('api_keys')
    .innerJoin('people', 'people.id', 'api_keys.owner_id')
    .leftJoin('admin_grants', 'admin_grants.person_id', 'people.id')
    .select([
      'api_keys.id as key_id',
      'api_keys.expires_at',
      'api_keys.revoked_at',
      'api_keys.last_used_at',
      'people.id as person_id',
      'people.username',
      'people.state',
      'people.frozen_until',
      'admin_grants.grant',
    ])
    .where('api_keys.key_hash', '=', keyHash);
}

const apiKeyForAuth = compiledLookup('apiKeyForAuth', apiKeyForAuthQuery, [['a'], ['b']]);

export async function findApiKeyForAuth(db: Executor, keyHash: string) {
  const rows = await apiKeyForAuth(db, keyHash);
  const first = rows[0];
  if (!first) return undefined;
  const grants: string[] = [];
  for (const r of rows) if (r.grant !== null) grants.push(r.grant);
  // Named one by one, not `{ ...rest }`: V8 copies a rest/spread object on a slow path, a
  // few µs of every API request.
  return {
    key_id: first.key_id,
    expires_at: first.expires_at,
    revoked_at: first.revoked_at,
    last_used_at: first.last_used_at,
    person_id: first.person_id,
    username: first.username,
    state: first.state,
    frozen_until: first.frozen_until,
    grants,
  };
}

export function findApiKeyByHash(db: Executor, keyHash: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
}

export function findApiKey(db: Executor, id: number): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listApiKeys(
  db: Executor,
  ownerId: number | null,
  offset: number,
  limit: number,
): Promise<{ rows: ApiKeyRow[]; total: number }> {
  let q = db.selectFrom('api_keys').selectAll();
  let c = db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n'));
  if (ownerId !== null) {
    q = q.where('owner_id', '=', ownerId);
    c = c.where('owner_id', '=', ownerId);
  }
  const [rows, count] = await Promise.all([
    q.orderBy('id', 'desc').offset(offset).limit(limit).execute(),
    c.executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export async function setApiKeyRevoked(db: Executor, id: number, at: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function touchApiKey(db: Executor, id: number, at: string): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
}

export const SESSION_COLUMNS = everyColumn<SessionRow>()([
  'token_hash',
  'person_id',
  'csrf_token',
  'created_at',
  'last_seen_at',
  'expires_at',
  'ip',
  'user_agent',
]);

/** Compiled once (compiled-lookup.ts), prepared on PostgreSQL: every sign-in makes a session. */
export const sessionInsertQuery = (db: Executor, ...values: unknown[]) =>
  db.insertInto('sessions').values(rowOf<Omit<SessionRow, 'id'>>(SESSION_COLUMNS, values));

const sessionInsert = compiledLookup(
  'sessionInsert',
  sessionInsertQuery,
  sampleValues(SESSION_COLUMNS.length),
);

export async function insertSession(db: Executor, values: Omit<SessionRow, 'id'>): Promise<void> {
  await sessionInsert(db, ...SESSION_COLUMNS.map((c) => values[c]));
}

/** Every column by name, not `*` (prepared on PostgreSQL: prepared.ts). */
export function sessionByTokenQuery(db: Executor, tokenHash: string) {
  return db
    .selectFrom('sessions')
    .select(['id', ...SESSION_COLUMNS])
    .where('token_hash', '=', tokenHash);
}

const sessionByToken = compiledLookup('sessionByToken', sessionByTokenQuery, [['a'], ['b']]);

export async function findSession(
  db: Executor,
  tokenHash: string,
): Promise<SessionRow | undefined> {
  return (await sessionByToken(db, tokenHash))[0];
}

export async function deleteSession(db: Executor, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function touchSession(
  db: Executor,
  id: number,
  lastSeen: string,
  expires: string,
): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: lastSeen, expires_at: expires })
    .where('id', '=', id)
    .execute();
}

export async function deleteExpiredSessions(db: Executor, now: string): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<', now).execute();
}

/** Ends a person's sessions, except one (the caller's own, after a password change). */
export async function deleteSessionsOf(
  db: Executor,
  personId: number,
  exceptSessionId?: number,
): Promise<void> {
  let q = db.deleteFrom('sessions').where('person_id', '=', personId);
  if (exceptSessionId !== undefined) q = q.where('id', '!=', exceptSessionId);
  await q.execute();
}
