/**
 * The SCIM writes a create or replace runs as separate statements (SQLite; PostgreSQL's
 * create is one statement, scim-repo.ts insertScimUser), compiled once as compiled-lookup.ts
 * compiles the hottest statements: building them with Kysely each time was part of a SCIM
 * create's CPU in the server (bench/scim.bench.ts, session 9). Each takes the values in its
 * columns' order.
 */
import type { Executor } from './people-repo.ts';
import { compiledLookup, rowOf, sampleValues } from './compiled-lookup.ts';
import type { ScimUsersTable, ScimValuesTable } from './schema.ts';
import type { Insertable } from 'kysely';

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

/** The user's row (a create gives every column), values in SCIM_USER_COLUMNS' order. */
export const scimUserInsert = compiledLookup(
  'scimUserInsert',
  (db: Executor, ...values: unknown[]) =>
    db
      .insertInto('scim_users')
      .values(rowOf<Insertable<ScimUsersTable>>(SCIM_USER_COLUMNS, values)),
  sampleValues(SCIM_USER_COLUMNS.length),
);

export const VALUE_COLUMNS = [
  'scim_id',
  'directory_id',
  'seq',
  'attr',
  'type',
  'is_primary',
  'value',
  'value_key',
] as const satisfies readonly (keyof ScimValuesTable)[];

/**
 * A user's values as one insert, compiled once per row count up to COMPILED_VALUES (a user
 * has a handful; more go through Kysely as before). Arguments: the rows' values, row by row.
 */
const COMPILED_VALUES = 8;
export const valuesInserts = Array.from({ length: COMPILED_VALUES + 1 }, (_, n) =>
  n === 0
    ? undefined
    : compiledLookup(
        `scimValuesInsert${n}`,
        (db: Executor, ...values: unknown[]) =>
          db
            .insertInto('scim_values')
            .values(
              Array.from({ length: n }, (_r, i) =>
                rowOf<Insertable<ScimValuesTable>>(
                  VALUE_COLUMNS,
                  values.slice(i * VALUE_COLUMNS.length, (i + 1) * VALUE_COLUMNS.length),
                ),
              ),
            ),
        sampleValues(n * VALUE_COLUMNS.length),
      ),
);
