/** SQL for people. Callers pass the executor: the database or an open transaction. */
import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SelectQueryBuilder,
  type SqlBool,
} from 'kysely';
import type { DB, NewPersonRow, PersonRow, PersonRowUpdate, PersonState } from './schema.ts';
import { likeEscape } from '../core/normalize.ts';
import type { Capabilities } from './capabilities.ts';
import { bulkInsert, everyColumn } from './bulk-insert.ts';
import { compiledLookup } from './compiled-lookup.ts';

export type Executor = Kysely<DB>;

export interface PeopleFilter {
  q?: string | undefined;
  state?: PersonState | undefined;
  /** 'local' for accounts no directory syncs, or a directory id. */
  directory?: 'local' | number | undefined;
  origin?: string | undefined;
  department?: string | undefined;
  /** 'primary' for the primary area, or an extranet id. */
  extranet?: 'primary' | number | undefined;
  managerId?: number | undefined;
  /** Hide blocked accounts, for readers who are not administrators (core/person.ts listedInDirectory). */
  listedOnly?: boolean | undefined;
}

export const SORTABLE = [
  'id',
  'username',
  'surname',
  'firstname',
  'created_at',
  'last_login_at',
  'department',
] as const;
export type SortField = (typeof SORTABLE)[number];

export interface PageRequest {
  offset: number;
  limit: number;
  sort?: SortField | undefined;
  order?: 'asc' | 'desc' | undefined;
}

function hasSearchTerm(f: PeopleFilter): f is PeopleFilter & { q: string } {
  return f.q !== undefined && f.q.trim() !== '';
}

/** search_text is stored NFKC-normalised and lower case; the term is matched anywhere in it. */
function searchPattern(q: string): string {
  return `%${likeEscape(q.normalize('NFKC').trim().toLowerCase())}%`;
}

/**
 * People listed to readers who are not administrators: all but blocked accounts. The same rule
 * as core/person.ts `listedInDirectory`, in SQL.
 */
export function isListed(eb: ExpressionBuilder<DB, 'people'>): Expression<SqlBool> {
  return eb('state', '!=', 'blocked');
}

/** The filter's conditions on people's own columns (the search term is matched in people_search). */
function conditions(
  eb: ExpressionBuilder<DB, 'people'>,
  f: PeopleFilter,
  now: string,
): Expression<SqlBool>[] {
  const all: Expression<SqlBool>[] = [];
  if (f.listedOnly) all.push(isListed(eb));
  const state = f.state;
  if (state === 'active') {
    all.push(
      eb.or([
        eb('state', '=', 'active'),
        eb.and([eb('state', '=', 'frozen'), eb('frozen_until', '<=', now)]),
      ]),
    );
  } else if (state === 'frozen') {
    all.push(eb('state', '=', 'frozen'), eb('frozen_until', '>', now));
  } else if (state === 'blocked') {
    all.push(eb('state', '=', 'blocked'));
  }
  if (f.directory === 'local') all.push(eb('directory_id', 'is', null));
  else if (typeof f.directory === 'number') all.push(eb('directory_id', '=', f.directory));
  if (f.origin !== undefined) all.push(eb('origin', '=', f.origin as PersonRow['origin']));
  if (f.department !== undefined) all.push(eb('department', '=', f.department));
  if (f.extranet === 'primary') all.push(eb('extranet_id', 'is', null));
  else if (typeof f.extranet === 'number') all.push(eb('extranet_id', '=', f.extranet));
  if (f.managerId !== undefined) all.push(eb('manager_id', '=', f.managerId));
  return all;
}

function applyFilter<O>(
  qb: SelectQueryBuilder<DB, 'people', O>,
  f: PeopleFilter,
  now: string,
): SelectQueryBuilder<DB, 'people', O> {
  return qb.where((eb) => eb.and(conditions(eb, f, now)));
}

/**
 * The total of a page that is not full is known without counting: offset + rows. (A page
 * past the end has no rows and says nothing, so it still counts.)
 */
export function totalFromPage(page: PageRequest, rows: number): number | undefined {
  if (rows < page.limit && (rows > 0 || page.offset === 0)) return page.offset + rows;
  return undefined;
}

export async function listPeople(
  db: Executor,
  filter: PeopleFilter,
  page: PageRequest,
  caps: Pick<Capabilities, 'concurrentQueries'>,
): Promise<{ rows: PersonRow[]; total: number }> {
  const now = new Date().toISOString();
  const order = page.order ?? 'asc';
  const sort = page.sort ?? 'id';
  // Deferred join: the page's ids are found first (from an index alone where one fits, so
  // skipping 100,000 rows at a large offset is cheap), then only those rows are read whole.
  // Same rows in the same order; on PostgreSQL it takes a page at offset 99,800 from about
  // 16 ms to 6 ms (bench/api.bench.ts).
  const sortColumns = (
    sort === 'surname' ? ['surname', 'firstname'] : sort === 'id' ? [] : [sort]
  ) as Exclude<SortField, 'id'>[];
  const searching = hasSearchTerm(filter);
  let ids = searching
    ? searchTableMatches(db, filter, now)
    : db
        .selectFrom('people')
        .select('people.id')
        .where((eb) => eb.and(conditions(eb, filter, now)));
  for (const c of sortColumns) ids = ids.orderBy(`people.${c}`, order);
  // In people_search's id order when searching, so SQLite walks the narrow table.
  ids = ids
    .orderBy(searching ? 'people_search.id' : 'people.id', order)
    .limit(page.limit)
    .offset(page.offset);
  let rowsQ = db.selectFrom('people').selectAll().where('id', 'in', ids);
  for (const c of sortColumns) rowsQ = rowsQ.orderBy(c, order);
  rowsQ = rowsQ.orderBy('id', order);

  const countAll = (eb: ExpressionBuilder<DB, keyof DB>) => eb.fn.countAll<number>().as('n');
  const count = async () => {
    const q = !searching
      ? applyFilter(db.selectFrom('people').select(countAll), filter, now)
      : filtersPeople(filter)
        ? searchTableMatches(db, filter, now).clearSelect().select(countAll)
        : // The search term alone: counted from the narrow table, people is not read at all.
          db
            .selectFrom('people_search')
            .select(countAll)
            .where(searchMatches(filter.q ?? ''));
    return Number((await q.executeTakeFirstOrThrow()).n);
  };
  if (caps.concurrentQueries) {
    const [rows, total] = await Promise.all([rowsQ.execute(), count()]);
    return { rows, total };
  }
  // One after the other: a page that is not full tells the total without a count.
  const rows = await rowsQ.execute();
  return { rows, total: totalFromPage(page, rows.length) ?? (await count()) };
}

function searchMatches(q: string): Expression<SqlBool> {
  return sql<SqlBool>`people_search.search_text LIKE ${searchPattern(q)} ESCAPE '\\'`;
}

/** Whether the filter has conditions besides the search term (see `conditions`). */
function filtersPeople(f: PeopleFilter): boolean {
  return (
    [f.state, f.directory, f.origin, f.department, f.extranet, f.managerId].some(
      (v) => v !== undefined,
    ) || f.listedOnly === true
  );
}

/**
 * Matches of a search term driven from people_search, the narrow copy of search_text
 * (migrations 0004, 0007): walked in id order it stops as soon as the page is full when
 * matches are many, and reads ~8 MB instead of the whole table when they are few (PostgreSQL
 * finds those through the trigram index on it).
 * Other conditions are checked on each match's row.
 */
function searchTableMatches(db: Executor, f: PeopleFilter & { q: string }, now: string) {
  return db
    .selectFrom('people_search')
    .innerJoin('people', 'people.id', 'people_search.id')
    .select('people_search.id')
    .where(searchMatches(f.q))
    .$if(filtersPeople(f), (qb) => qb.where((eb) => eb.and(conditions(eb, f, now))));
}

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

const PERSON_COLUMNS = everyColumn<NewPersonRow>()([
  'username',
  'username_key',
  'user_code',
  'firstname',
  'surname',
  'email',
  'email_key',
  'job_title',
  'department',
  'office',
  'phone',
  'mobile',
  'manager_id',
  'extranet_id',
  'state',
  'frozen_until',
  'blocked_by',
  'blocked_reason',
  'blocked_by_person_id',
  'directory_id',
  'password_authority',
  'password_hash',
  'password_changed_at',
  'must_change_password',
  'failed_logins',
  'origin',
  'origin_source',
  'profile',
  'has_photo',
  'last_login_at',
  'created_at',
  'updated_at',
  'version',
  'search_text',
]);

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
  return db
    .selectFrom('people')
    .select(['id', 'username_key', 'user_code', 'email_key'])
    .where((eb) => eb.or(checks.map((c) => eb(c, '=', values[c] as string))))
    .limit(3)
    .execute();
}
