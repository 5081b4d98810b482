/**
 * A SCIM create's inserts, compiled once as compiled-lookup.ts compiles the hottest
 * statements: building them with Kysely each time was part of a SCIM create's CPU in the
 * server (bench/scim.bench.ts, sessions 9 and 10).
 * - SQLite runs them one after the other: the user's row here, the identity link and the audit
 *   event as every other write of theirs, the values through bulkInsert (whose statement text
 *   is kept per row count).
 * - PostgreSQL runs a new account's create as one statement (scim-repo.ts insertScimUser):
 *   a data-modifying WITH of the user's row, the link, the audit event and the values, here
 *   compiled once per number of values up to COMPILED_CREATE_VALUES and prepared
 *   (prepared.ts preparedWrite). Building and compiling that WITH was about a tenth of the server's CPU
 *   on a create (session 10 profile).
 */
import type { Executor } from './people-repo.ts';
import { compiledLookup, rowOf, sampleValues, type CompiledLookup } from './compiled-lookup.ts';
import { everyColumn } from './bulk-insert.ts';
import { AUDIT_COLUMNS } from './audit-repo.ts';
import { IDENTITY_COLUMNS, type IdentityRow } from './identity-repo.ts';
import type { NewAuditEventRow, ScimUsersTable, ScimValuesTable } from './schema.ts';
import type { Insertable, Selectable } from 'kysely';

export const SCIM_USER_COLUMNS = [
  'scim_id',
  'directory_id',
  'person_id',
  'user_name',
  'user_name_key',
  'external_id',
  'display_name',
  'display_name_key',
  'name_formatted',
  'active',
  'resource',
  'created_at',
  'updated_at',
  'version',
] as const satisfies readonly (keyof ScimUsersTable)[];

export const VALUE_COLUMNS = everyColumn<Insertable<ScimValuesTable>>()([
  'scim_id',
  'directory_id',
  'seq',
  'attr',
  'type',
  'is_primary',
  'value',
  'value_key',
]);

/** The user's row (a create gives every column), values in SCIM_USER_COLUMNS' order. */
export const scimUserInsert = compiledLookup(
  'scimUserInsert',
  (db: Executor, ...values: unknown[]) =>
    db
      .insertInto('scim_users')
      .values(rowOf<Insertable<ScimUsersTable>>(SCIM_USER_COLUMNS, values)),
  sampleValues(SCIM_USER_COLUMNS.length),
);

/**
 * Values a create's compiled statement takes: the IdPs' creates carry 3–8 (userName's
 * account aside: name parts, emails, phone numbers, enterprise attributes). One compiled and
 * prepared statement per count; more values take the built statement (scim-repo.ts).
 */
export const COMPILED_CREATE_VALUES = 8;

/** Is there a compiled create for this many values? */
export const compiledCreateValues = (n: number): boolean => n >= 1 && n <= COMPILED_CREATE_VALUES;

/** The one-statement create of a new account with `n` values; arguments in column order. */
function scimCreateQuery(n: number) {
  return (db: Executor, ...args: unknown[]) => {
    let at = 0;
    const take = (columns: readonly string[]) => args.slice(at, (at += columns.length));
    const user = take(SCIM_USER_COLUMNS);
    const link = take(IDENTITY_COLUMNS);
    const audit = take(AUDIT_COLUMNS);
    const values = Array.from({ length: n }, () =>
      rowOf<Insertable<ScimValuesTable>>(VALUE_COLUMNS, take(VALUE_COLUMNS)),
    );
    return db
      .with('made', (q) =>
        q
          .insertInto('scim_users')
          .values(rowOf<Insertable<ScimUsersTable>>(SCIM_USER_COLUMNS, user)),
      )
      .with('linked', (q) =>
        q.insertInto('external_identities').values(rowOf<IdentityRow>(IDENTITY_COLUMNS, link)),
      )
      .with('audited', (q) =>
        q.insertInto('audit_events').values(rowOf<NewAuditEventRow>(AUDIT_COLUMNS, audit)),
      )
      .insertInto('scim_values')
      .values(values);
  };
}

const ARGS_BEFORE_VALUES =
  SCIM_USER_COLUMNS.length + IDENTITY_COLUMNS.length + AUDIT_COLUMNS.length;

/** Compiled on first use of each count, and prepared by its text (prepared.ts preparedWrite). */
const creates = new Map<number, CompiledLookup<unknown[], unknown>>();
function createStatement(n: number): CompiledLookup<unknown[], unknown> {
  let statement = creates.get(n);
  if (!statement) {
    statement = compiledLookup(
      `scimCreate${n}`,
      scimCreateQuery(n),
      sampleValues(ARGS_BEFORE_VALUES + n * VALUE_COLUMNS.length),
      { preparedWrite: true },
    );
    creates.set(n, statement);
  }
  return statement;
}

/**
 * A new account's create in one statement (PostgreSQL): the user's row, the account's
 * identity link and audit event, and its values (compiledCreateValues of their number).
 * Every column is given, null where there is nothing, as the SQLite inserts give them.
 */
export async function scimCreate(
  db: Executor,
  row: Selectable<ScimUsersTable>,
  values: readonly Insertable<ScimValuesTable>[],
  created: { link: IdentityRow; audit: NewAuditEventRow },
): Promise<void> {
  const args: unknown[] = SCIM_USER_COLUMNS.map((c) => row[c]);
  for (const c of IDENTITY_COLUMNS) args.push(created.link[c]);
  for (const c of AUDIT_COLUMNS) args.push(created.audit[c] ?? null);
  for (const v of values) for (const c of VALUE_COLUMNS) args.push(v[c] ?? null);
  await createStatement(values.length)(db, ...args);
}
