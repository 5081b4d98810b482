/**
 * Server-side prepared statements on PostgreSQL for the few single-row lookups that nearly
 * every request makes: the API key with its owner and grants, the session, a person by id,
 * a SCIM token, a SCIM user by userName; and the statements of a password sign-in.
 *
 * Why: PostgreSQL planned these tiny queries anew for every request, and on the benchmark
 * machine that planning was most of their cost: `GET /users/{id}` went from about 2,700 to
 * about 5,300 requests/s with them prepared (bench/api.bench.ts). Only lookups by a unique key
 * are prepared: their best plan never depends on the value, so the generic plan PostgreSQL
 * settles on is right (searches prepared the same way got slower). They name their columns
 * rather than `*`, so a migration that adds a column, run by another server, does not change
 * what a prepared statement returns ("cached plan must not change result type").
 *
 * Behind PgBouncer in transaction mode, use PgBouncer 1.21 or later with
 * max_prepared_statements set (docs/operations.md).
 */
import type pg from 'pg';
import type { Compilable } from 'kysely';
import type { Executor } from './people-repo.ts';
import {
  apiKeyForAuthQuery,
  SESSION_COLUMNS,
  sessionByTokenQuery,
  sessionInsertQuery,
} from './auth-repo.ts';
import { AUDIT_COLUMNS, auditEventInsertQuery } from './audit-repo.ts';
import { loginSuccessQuery, personForSignInQuery } from './sign-in-repo.ts';
import { personByIdQuery } from './people-repo.ts';
import { scimTokenForAuthQuery } from './scim-tokens.ts';
import { scimUserByUserNameQuery } from './scim-repo.ts';

/**
 * The lookups to prepare, built with placeholder values: only their SQL text is kept. With
 * them, a password sign-in's statements (its person, the success's update, the audit event,
 * the session): their plans cannot depend on the values either (one row by a unique key, or
 * one row inserted).
 */
const LOOKUPS: ((db: Executor) => Compilable)[] = [
  (db) => personByIdQuery(db, 0),
  (db) => apiKeyForAuthQuery(db, ''),
  (db) => sessionByTokenQuery(db, ''),
  (db) => scimTokenForAuthQuery(db, ''),
  (db) => scimUserByUserNameQuery(db, 0, ''),
  (db) => personForSignInQuery(db, ''),
  (db) => loginSuccessQuery(db, '', 0),
  (db) => auditEventInsertQuery(db, ...AUDIT_COLUMNS.map(() => null)),
  (db) => sessionInsertQuery(db, ...SESSION_COLUMNS.map(() => null)),
];

type Query = (...args: unknown[]) => unknown;

/** Makes the pool's connections run the lookups as named prepared statements. */
export function prepareLookups(pool: pg.Pool, db: Executor): void {
  const names = new Map<string, string>();
  LOOKUPS.forEach((lookup, i) => names.set(lookup(db).compile().sql, `gatehouse_lookup_${i}`));
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as Query;
    (client as unknown as { query: Query }).query = (...args: unknown[]) => {
      const [text, values] = args;
      const name = typeof text === 'string' ? names.get(text) : undefined;
      return name === undefined ? query(...args) : query({ name, text, values });
    };
  });
}
