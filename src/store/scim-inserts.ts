/**
 * The SCIM user's row insert, compiled once as compiled-lookup.ts compiles the hottest
 * statements, for the writes a create runs as separate statements (SQLite; PostgreSQL's create
 * is one statement, scim-repo.ts insertScimUser): building it with Kysely each time was part
 * of a SCIM create's CPU in the server (bench/scim.bench.ts, session 9). The values go through
 * bulkInsert, whose statement text is kept per row count.
 */
import type { Executor } from './people-repo.ts';
import { compiledLookup, rowOf, sampleValues } from './compiled-lookup.ts';
import type { ScimUsersTable } from './schema.ts';
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
