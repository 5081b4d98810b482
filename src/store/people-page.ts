/**
 * A page of everyone (or of everyone listed, blocked accounts aside) in id order, with the
 * number of people read in the page's own statement: from people_tally on PostgreSQL
 * (migration 0017), from SQLite's count of its smallest index elsewhere.
 *
 * Why: OFFSET walks every id before the page, so a page at offset 99,800 of 100,000 walked
 * 99,800 index entries, and the total was a count of all 100,000 beside it (~10 ms each on
 * PostgreSQL). With the number known, a page in the second half is walked from the other end:
 * the page at offset k is the one at offset total − k − limit in the opposite order, so no
 * page walks more than half the list. The choice is made inside the one statement, from the
 * number it reads, so the page is exactly LIMIT/OFFSET's for that statement's snapshot.
 *
 * On SQLite a bare `SELECT count(*) FROM people` is answered from the b-tree's page headers
 * (0.02 ms for 100,000 people, against 0.65 ms for the general path's `WHERE 1 = 1` count,
 * which visits every entry), and blocked accounts are counted from the (state, frozen_until)
 * index (against 2.9 ms to count `state != 'blocked'` entry by entry).
 */
import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Capabilities } from './capabilities.ts';
import type { DB } from './schema.ts';
import { SHOWN_PERSON_COLUMNS, type ShownPersonRow } from './person-columns.ts';

type Executor = Kysely<DB>;

/** The number of people the list holds, as an SQL expression (one statement's snapshot). */
function totalOf(
  db: Executor,
  caps: Pick<Capabilities, 'peopleTally'>,
  listedOnly: boolean,
): RawBuilder<number> {
  const everyone = caps.peopleTally
    ? sql<number>`(SELECT coalesce(sum(n), 0)::bigint FROM people_tally)`
    : // Exactly this statement, with no WHERE, for SQLite's count from the page headers.
      sql<number>`(SELECT count(*) FROM people)`;
  if (!listedOnly) return everyone;
  // Blocked accounts are few, and found from the (state, frozen_until) index alone.
  const blocked = db
    .selectFrom('people')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'blocked');
  return sql<number>`(${everyone} - (${blocked}))`;
}

/** The smaller of two integer expressions, written the same for both engines. */
const least = (a: RawBuilder<number>, b: RawBuilder<number>) =>
  sql<number>`(CASE WHEN ${a} < ${b} THEN ${a} ELSE ${b} END)`;
/** max(x, 0): a negative LIMIT is an error on PostgreSQL and "no limit" on SQLite. */
const atLeastZero = (x: RawBuilder<number>) =>
  sql<number>`(CASE WHEN ${x} > 0 THEN ${x} ELSE 0 END)`;

type PageCaps = Pick<Capabilities, 'peopleTally' | 'oneTimeFilters'>;
type Page = { offset: number; limit: number; order: 'asc' | 'desc' };

/** The ids of the page, from the nearer end, as one subquery reading `page_total`. */
function pageIdsOf(db: Executor, caps: PageCaps, listedOnly: boolean, page: Page) {
  const { offset, limit, order } = page;
  const back = order === 'asc' ? 'desc' : 'asc';
  const ids = (dir: 'asc' | 'desc'): SelectQueryBuilder<DB, 'people', { id: number }> =>
    db
      .selectFrom('people')
      .select('id')
      .$if(listedOnly, (qb) => qb.where('state', '!=', 'blocked'))
      .orderBy('id', dir);
  // The number is read once (a CTE is evaluated once) for the choice and the far-end offset.
  const total = sql<number>`(SELECT n FROM page_total)`;
  const nearChosen = sql<boolean>`(${offset * 2} < ${total})`;
  const farChosen = sql<boolean>`(${offset * 2} >= ${total})`;
  // Each branch runs under a condition on the number alone. PostgreSQL tests it once (a
  // one-time filter) and runs only the branch that holds. SQLite tests a condition with a
  // subquery on every row, so both branches walked (3.6 ms a page): there the branch not
  // chosen gets LIMIT 0, which stops it before its scan. (Not on PostgreSQL: a LIMIT that is
  // not a constant is planned as 10 % of the table, and the page became a merge join over
  // the whole primary key, 24 ms at offset 90,000 instead of 1.)
  const onlyIf = (chosen: RawBuilder<boolean>, n: RawBuilder<number>) =>
    caps.oneTimeFilters ? n : sql<number>`(CASE WHEN ${chosen} THEN ${n} ELSE 0 END)`;
  const near = ids(order)
    .limit(onlyIf(nearChosen, sql<number>`${limit}`))
    .offset(offset);
  // From the far end: the rows at offsets [offset, offset + limit) counted from the start.
  const farLimit = atLeastZero(least(sql<number>`${limit}`, sql<number>`${total} - ${offset}`));
  const far = ids(back)
    .limit(onlyIf(farChosen, farLimit))
    .offset(atLeastZero(sql<number>`${total} - ${offset} - ${limit}`));
  return db
    .selectFrom(near.as('near'))
    .select('near.id')
    .where(nearChosen)
    .unionAll(db.selectFrom(far.as('far')).select('far.id').where(farChosen));
}

/** Attempts at a page past the end while people are being created (see below). */
const PAST_END_ATTEMPTS = 3;

export async function idOrderedPage(
  db: Executor,
  caps: PageCaps,
  listedOnly: boolean,
  page: Page,
): Promise<{ rows: ShownPersonRow[]; total: number }> {
  const withTotal = () =>
    db.with('page_total', (qc) => qc.selectNoFrom(totalOf(db, caps, listedOnly).as('n')));
  let total = 0;
  for (let attempt = 0; attempt < PAST_END_ATTEMPTS; attempt++) {
    // The total comes with the rows, from the same snapshot: one statement instead of two
    // (a second query on another connection cost ~0.5 ms of the server's CPU a page on
    // PostgreSQL). The rows carry it beside their columns; toPerson reads columns by name.
    const rows = await withTotal()
      .selectFrom('people')
      .select(SHOWN_PERSON_COLUMNS.map((c) => `people.${c}` as const))
      .select(sql<number>`(SELECT n FROM page_total)`.as('page_total'))
      .where('people.id', 'in', pageIdsOf(db, caps, listedOnly, page))
      .orderBy('people.id', page.order)
      .execute();
    const first = rows[0];
    if (first) return { rows, total: Number(first.page_total) };
    // A page past the end has no row to carry the total. The number is read again with
    // whether the page is still empty, in one statement: a total read on its own could
    // count people created since, for a page that would now have rows (PostgreSQL, where
    // other connections write meanwhile). If it has rows now, the page is read again.
    const again = await withTotal()
      .selectNoFrom((eb) => [
        sql<number>`(SELECT n FROM page_total)`.as('n'),
        eb.exists(pageIdsOf(db, caps, listedOnly, page)).as('filled'),
      ])
      .executeTakeFirstOrThrow();
    total = Number(again.n);
    if (!Number(again.filled)) return { rows: [], total };
  }
  // Creates crossed the end of the list at every attempt: an empty page and the last number.
  return { rows: [], total };
}
