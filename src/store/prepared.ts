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

/**
 * The compiled statements (compiled-lookup.ts) to prepare, by their names there; each is
 * prepared as `gatehouse_lookup_<its index here>`. Besides the lookups, a password sign-in's
 * statements (its person, the success's update, the session, and the one statement of the
 * success, its audit event and the session on PostgreSQL): their plans cannot depend on the
 * values either (one row by a unique key, or one row inserted).
 */
export const PREPARED = [
  'personById',
  'apiKeyForAuth',
  'sessionByToken',
  'scimTokenForAuth',
  'scimUserByUserName',
  'personForSignIn',
  'loginSuccess',
  'sessionInsert',
  'signInWrites',
  'shownPersonById',
];

/**
 * SQL text → statement name, filled as each statement is first compiled rather than all at
 * the store's opening: compiling ten statements was about 4 ms of every CLI start on
 * PostgreSQL (bench/startup.bench.ts), and most commands run none of them.
 */
const names = new Map<string, string>();

/** Called by compiledLookup with each statement it compiles. */
export function compiledStatement(lookupName: string, sqlText: string): void {
  const i = PREPARED.indexOf(lookupName);
  if (i >= 0) names.set(sqlText, `gatehouse_lookup_${i}`);
}

type Query = (...args: unknown[]) => unknown;

/** Makes the pool's connections run the lookups as named prepared statements. */
export function prepareLookups(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as Query;
    (client as unknown as { query: Query }).query = (...args: unknown[]) => {
      const [text, values] = args;
      const name = typeof text === 'string' ? names.get(text) : undefined;
      return name === undefined ? query(...args) : query({ name, text, values });
    };
  });
}

/**
 * At most this many write statements are prepared by their text (preparedWrite): each
 * connection keeps the ones it ran, so their number must stay small.
 */
const MAX_WRITE_SHAPES = 32;
let writeShapes = 0;

/**
 * Prepares a write whose text has a fixed shape (one row into each table: the SCIM create's
 * one statement), named by first use. Like the lookups, its plan cannot depend on the
 * values; PostgreSQL parsed and planned that four-insert WITH anew for every create
 * (bench/scim.bench.ts, docs/benchmarks.md session 9).
 */
export function preparedWrite(sqlText: string): void {
  if (names.has(sqlText) || writeShapes >= MAX_WRITE_SHAPES) return;
  names.set(sqlText, `gatehouse_write_${writeShapes++}`);
}
