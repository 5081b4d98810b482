/** SQL for people. Callers pass the executor: the database or an open transaction. */
import { sql, type Kysely } from 'kysely';
import type { DB, NewPersonRow, PersonRow, PersonRowUpdate } from './schema.ts';
import type { Capabilities } from './capabilities.ts';
import { bulkInsert } from './bulk-insert.ts';
import { PERSON_COLUMNS, SHOWN_PERSON_COLUMNS, type ShownPersonRow } from './person-columns.ts';
import { compiledLookup, type CompiledLookup } from './compiled-lookup.ts';

export type Executor = Kysely<DB>;

export {
  isListed,
  listPeople,
  totalFromPage,
  SORTABLE,
  type PeopleFilter,
  type PageRequest,
  type SortField,
} from './people-list.ts';

/** Every column by name, not `*`: a prepared statement's result stays the same (prepared.ts). */
export function personByIdQuery(db: Executor, id: number) {
  return db
    .selectFrom('people')
    .select(['id', ...PERSON_COLUMNS])
    .where('id', '=', id);
}

const personById = compiledLookup('personById', personByIdQuery, [[1], [2]]);

export async function findPerson(db: Executor, id: number): Promise<PersonRow | undefined> {
  return (await personById(db, id))[0];
}

/**
 * A person as shown (core/person.ts toPerson), without the columns no reader is shown: what
 * `GET /users/{id}` reads; the password hash and search_text were a tenth of its read's cost.
 */
export function shownPersonByIdQuery(db: Executor, id: number) {
  return db.selectFrom('people').select(SHOWN_PERSON_COLUMNS).where('id', '=', id);
}

const shownPersonById = compiledLookup('shownPersonById', shownPersonByIdQuery, [[1], [2]]);

export async function findShownPerson(
  db: Executor,
  id: number,
): Promise<ShownPersonRow | undefined> {
  return (await shownPersonById(db, id))[0];
}

export function findPersonByUsernameKey(db: Executor, key: string): Promise<PersonRow | undefined> {
  return db.selectFrom('people').selectAll().where('username_key', '=', key).executeTakeFirst();
}

export async function findPeopleByUsernameKeys(db: Executor, keys: string[]): Promise<PersonRow[]> {
  if (keys.length === 0) return [];
  return db.selectFrom('people').selectAll().where('username_key', 'in', keys).execute();
}

export async function findTakenValues(
  db: Executor,
  column: 'user_code' | 'email_key',
  values: string[],
): Promise<Set<string>> {
  if (values.length === 0) return new Set();
  const rows = await db.selectFrom('people').select(column).where(column, 'in', values).execute();
  return new Set(rows.map((r) => String(r[column])));
}

export async function insertPerson(db: Executor, row: NewPersonRow): Promise<PersonRow> {
  return db.insertInto('people').values(row).returningAll().executeTakeFirstOrThrow();
}

/**
 * Inserts many new people (every column given, as newPersonRow makes them) in statements of at
 * most `maxParameters` parameters; returns their ids in the order of `rows`.
 */
export async function insertPeople(
  db: Executor,
  caps: Capabilities,
  rows: NewPersonRow[],
  maxParameters: number,
): Promise<number[]> {
  const made = await bulkInsert<NewPersonRow, { id: number; username_key: string }>(
    db,
    caps,
    'people',
    PERSON_COLUMNS,
    rows,
    { maxParameters, returning: ['id', 'username_key'] },
  );
  const idByKey = new Map(made.map((p) => [p.username_key, p.id]));
  return rows.map((r) => idByKey.get(r.username_key)!);
}

/** Updates a person if its version is still `version`; returns the new row or undefined. */
export async function updatePersonIfVersion(
  db: Executor,
  id: number,
  version: number,
  values: PersonRowUpdate,
): Promise<PersonRow | undefined> {
  return db
    .updateTable('people')
    .set({ ...values, version: version + 1 })
    .where('id', '=', id)
    .where('version', '=', version)
    .returningAll()
    .executeTakeFirst();
}

export async function deletePersonRow(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('people').where('id', '=', id).execute();
}

export async function managerOf(db: Executor, id: number): Promise<number | null> {
  const r = await db
    .selectFrom('people')
    .select('manager_id')
    .where('id', '=', id)
    .executeTakeFirst();
  return r?.manager_id ?? null;
}

export async function subordinateIds(db: Executor, managerId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('people')
    .select('id')
    .where('manager_id', '=', managerId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function existingPersonIds(db: Executor, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('people').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

export async function countPeople(db: Executor): Promise<number> {
  const r = await db
    .selectFrom('people')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The unique keys of a person (a new row, or an update's changed columns). */
export interface UniqueKeys {
  username_key?: string | undefined;
  user_code?: string | null | undefined;
  email_key?: string | null | undefined;
}

const UNIQUE_KEYS = ['username_key', 'user_code', 'email_key'] as const;
type UniqueKey = (typeof UNIQUE_KEYS)[number];

/** The keys `values` sets (a null key claims nothing). */
function keysSet(values: UniqueKeys): UniqueKey[] {
  return UNIQUE_KEYS.filter((c) => values[c] !== undefined && values[c] !== null);
}

/** Which of `values`' keys the `holders` (people read for them) already hold. */
export function conflictsAmong(
  values: UniqueKeys,
  holders: readonly Pick<PersonRow, UniqueKey>[],
): UniqueKey[] {
  return keysSet(values).filter((c) => holders.some((r) => r[c] === values[c]));
}

/** Which of these unique values another person already holds. */
export async function uniqueConflicts(
  db: Executor,
  values: UniqueKeys,
  excludeId: number | null,
): Promise<UniqueKey[]> {
  const checks = keysSet(values);
  if (checks.length === 0) return [];
  let q = db.selectFrom('people').select(['id', 'username_key', 'user_code', 'email_key']);
  q = q.where((eb) => eb.or(checks.map((c) => eb(c, '=', values[c] as string))));
  if (excludeId !== null) q = q.where('id', '!=', excludeId);
  const rows = await q.limit(3).execute();
  return conflictsAmong(values, rows);
}

/** Who holds a unique key: the person's id and its keys (the whole row is read only when needed). */
export type KeyHolder = Pick<PersonRow, 'id' | UniqueKey>;

/**
 * The people holding any of a new row's unique keys (at most one each), by id and keys: a
 * directory's create matches its entry to the username's holder and checks the new row's
 * keys with this one read (conflictsAmong) instead of two. The keys only: a new entry's
 * keys are nearly always free, and reading every column of the row cost more than the
 * read itself on SQLite (108 against 46 µs a create, bench/scim.bench.ts, session 8).
 */
export async function peopleHoldingKeys(db: Executor, values: UniqueKeys): Promise<KeyHolder[]> {
  const checks = keysSet(values);
  if (checks.length === 0) return [];
  return holdersOf(checks)(db, ...checks.map((c) => values[c] as string));
}

/**
 * The holders' read for one set of keys, compiled once (compiled-lookup.ts): built with Kysely
 * on every SCIM create it was about 20 µs of the server's CPU (docs/benchmarks.md, session
 * 11). At most seven sets (which of the three keys a row sets); the limit is written into the
 * text so that the parameters are the keys' values alone.
 */
const holderLookups = new Map<string, CompiledLookup<string[], KeyHolder>>();
function holdersOf(checks: readonly UniqueKey[]): CompiledLookup<string[], KeyHolder> {
  const name = checks.join(',');
  let lookup = holderLookups.get(name);
  if (!lookup) {
    lookup = compiledLookup(
      `peopleHoldingKeys(${name})`,
      (db: Executor, ...keys: string[]) =>
        db
          .selectFrom('people')
          .select(['id', 'username_key', 'user_code', 'email_key'])
          .where((eb) => eb.or(checks.map((c, i) => eb(c, '=', keys[i]!))))
          .limit(sql.lit(3)),
      [checks.map((_, i) => `a${i}`), checks.map((_, i) => `b${i}`)],
    );
    holderLookups.set(name, lookup);
  }
  return lookup;
}
