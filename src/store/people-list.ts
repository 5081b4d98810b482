/**
 * Listing and searching people: the filter's conditions, id-ordered or sorted pages, the search
 * term matched in people_search, and the total. Callers pass the database or a transaction.
 */
import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SelectQueryBuilder,
  type SqlBool,
} from 'kysely';
import type { DB, PersonRow, PersonState } from './schema.ts';
import { SHOWN_PERSON_COLUMNS, type ShownPersonRow } from './person-columns.ts';
import { likeEscape } from '../core/normalize.ts';
import type { Capabilities } from './capabilities.ts';
import { idOrderedPage } from './people-page.ts';

type Executor = Kysely<DB>;

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
  caps: Pick<Capabilities, 'concurrentQueries' | 'peopleTally' | 'oneTimeFilters'>,
): Promise<{ rows: ShownPersonRow[]; total: number }> {
  const now = new Date().toISOString();
  const order = page.order ?? 'asc';
  const sort = page.sort ?? 'id';
  // Everyone (or everyone listed) in id order: the total read in the page's statement, and a
  // deep page walked from the nearer end (people-page.ts).
  if (sort === 'id' && !hasSearchTerm(filter) && !filtersPeople(filter, true))
    return idOrderedPage(db, caps, filter.listedOnly === true, {
      offset: page.offset,
      limit: page.limit,
      order,
    });
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
  let rowsQ = db.selectFrom('people').select(SHOWN_PERSON_COLUMNS).where('id', 'in', ids);
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

/**
 * Whether the filter has conditions besides the search term (see `conditions`); with
 * `listedAside`, besides the search term and `listedOnly`.
 */
function filtersPeople(f: PeopleFilter, listedAside = false): boolean {
  return (
    [f.state, f.directory, f.origin, f.department, f.extranet, f.managerId].some(
      (v) => v !== undefined,
    ) ||
    (f.listedOnly === true && !listedAside)
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
