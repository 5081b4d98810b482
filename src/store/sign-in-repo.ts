/**
 * SQL of sign-ins: the person a username names (with their grants), and the bookkeeping of a
 * success (also SSO's), a failure, an expired lockout.
 *
 * Why the hot ones are compiled once (compiled-lookup.ts) and prepared on PostgreSQL
 * (prepared.ts): a password sign-in is argon2 on a pool thread plus about 2 ms of the main
 * thread, and in the benchmark (bench/api.bench.ts, password sign-ins) that main-thread time
 * is what the server loses to argon2 alone on a 2-core machine. Sign-ins are too few a second
 * for V8 to optimise Kysely's builders, so building each statement anew ran at baseline speed.
 */
import { sql, type QueryCreator } from 'kysely';
import type { Executor } from './people-repo.ts';
import type { DB, NewAuditEventRow, NewSessionRow, PersonRow } from './schema.ts';
import type { Capabilities } from './capabilities.ts';
import { compiledLookup, rowOf, sampleValues } from './compiled-lookup.ts';
import { AUDIT_COLUMNS, insertAuditRow } from './audit-repo.ts';
import { insertSession, SESSION_COLUMNS } from './auth-repo.ts';

/** What a sign-in reads of the person: the password, the state, and what the console shows. */
export type SignInPerson = Pick<
  PersonRow,
  | 'id'
  | 'username'
  | 'firstname'
  | 'surname'
  | 'state'
  | 'frozen_until'
  | 'directory_id'
  | 'password_authority'
  | 'password_hash'
  | 'password_changed_at'
  | 'must_change_password'
> & { grants: string[] };

/** One row per grant (one with a null grant for none); named columns (prepared.ts). */
export function personForSignInQuery(db: Executor, usernameKey: string) {
  return db
    .selectFrom('people')
    .leftJoin('admin_grants', 'admin_grants.person_id', 'people.id')
    .select([
      'people.id',
      'people.username',
      'people.firstname',
      'people.surname',
      'people.state',
      'people.frozen_until',
      'people.directory_id',
      'people.password_authority',
      'people.password_hash',
      'people.password_changed_at',
      'people.must_change_password',
      'admin_grants.grant',
    ])
    .where('people.username_key', '=', usernameKey);
}

const personForSignIn = compiledLookup('personForSignIn', personForSignInQuery, [['a'], ['b']]);

/** The person with this username key and their grants, in one query. */
export async function findPersonForSignIn(
  db: Executor,
  usernameKey: string,
): Promise<SignInPerson | undefined> {
  const rows = await personForSignIn(db, usernameKey);
  const first = rows[0];
  if (!first) return undefined;
  const { grant: _grant, ...person } = first;
  return { ...person, grants: rows.flatMap((r) => (r.grant === null ? [] : [r.grant])) };
}

/** A success with nothing else to change: the common case, compiled once. */
export function loginSuccessQuery(db: QueryCreator<DB>, at: string, id: number) {
  return db
    .updateTable('people')
    .set({ last_login_at: at, failed_logins: sql<number>`0` })
    .where('id', '=', id);
}

const loginSuccess = compiledLookup('loginSuccess', loginSuccessQuery, [
  ['a', 1],
  ['b', 2],
]);

/** Sign-in bookkeeping: not an edit of the record, so the version (ETag) does not change. */
export async function recordLoginSuccess(
  db: Executor,
  id: number,
  at: string,
  newHash: string | null,
  forceChange: boolean,
): Promise<void> {
  if (!newHash && !forceChange) {
    await loginSuccess(db, at, id);
    return;
  }
  await db
    .updateTable('people')
    .set({
      last_login_at: at,
      failed_logins: 0,
      ...(newHash ? { password_hash: newHash } : {}),
      ...(forceChange ? { must_change_password: 1 } : {}),
    })
    .where('id', '=', id)
    .execute();
}

/**
 * A success, its audit event and its new session in one statement (a data-modifying WITH on
 * PostgreSQL): atomic by itself, so no BEGIN and COMMIT either. Its arguments: the time, the
 * person's id, the audit row's values and the session row's values, in column order.
 */
export function signInWritesQuery(db: Executor, at: string, id: number, ...values: unknown[]) {
  const audit = values.slice(0, AUDIT_COLUMNS.length);
  const session = values.slice(AUDIT_COLUMNS.length);
  return db
    .with('success', (q) => loginSuccessQuery(q, at, id))
    .with('audit', (q) =>
      q.insertInto('audit_events').values(rowOf<NewAuditEventRow>(AUDIT_COLUMNS, audit)),
    )
    .insertInto('sessions')
    .values(rowOf<NewSessionRow>(SESSION_COLUMNS, session));
}

const [sampleA, sampleB] = sampleValues(AUDIT_COLUMNS.length + SESSION_COLUMNS.length);
const signInWrites = compiledLookup('signInWrites', signInWritesQuery, [
  ['a', 1, ...sampleA],
  ['b', 2, ...sampleB],
]);

/**
 * A password sign-in's writes, and the session it opens when there is one, committed
 * together: one statement where the engine allows it and nothing else changes (a session, no
 * new hash, no forced change), else one transaction.
 */
export async function recordSignIn(
  db: Executor,
  caps: Capabilities,
  w: {
    personId: number;
    at: string;
    newHash: string | null;
    forceChange: boolean;
    audit: NewAuditEventRow;
    session: NewSessionRow | undefined;
  },
): Promise<void> {
  const session = w.session;
  if (session && caps.writesInOneStatement && !w.newHash && !w.forceChange) {
    await signInWrites(
      db,
      w.at,
      w.personId,
      ...AUDIT_COLUMNS.map((c) => w.audit[c] ?? null),
      ...SESSION_COLUMNS.map((c) => session[c]),
    );
    return;
  }
  await db.transaction().execute(async (tx) => {
    await recordLoginSuccess(tx, w.personId, w.at, w.newHash, w.forceChange);
    await insertAuditRow(tx, w.audit);
    if (session) await insertSession(tx, session);
  });
}

/** Counts a failed sign-in; freezes the account when `freezeAt` attempts are reached. Returns the count. */
export async function recordLoginFailure(
  db: Executor,
  id: number,
  freezeAt: number,
  frozenUntil: string,
): Promise<number> {
  const r = await db
    .updateTable('people')
    .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
    .where('id', '=', id)
    .returning('failed_logins')
    .executeTakeFirst();
  const count = r?.failed_logins ?? 0;
  if (count >= freezeAt) {
    await db
      .updateTable('people')
      .set({ state: 'frozen', frozen_until: frozenUntil })
      .where('id', '=', id)
      .where('state', '!=', 'blocked')
      .execute();
  }
  return count;
}

/** Ends an expired sign-in lockout, so the failure count starts again from zero. */
export async function thawExpired(db: Executor, id: number, now: string): Promise<void> {
  await db
    .updateTable('people')
    .set({ state: 'active', frozen_until: null, failed_logins: 0 })
    .where('id', '=', id)
    .where('state', '=', 'frozen')
    .where('frozen_until', '<=', now)
    .execute();
}
