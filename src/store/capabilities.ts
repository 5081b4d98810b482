/**
 * The few places where SQLite and PostgreSQL differ, named as capabilities so that no code
 * outside store/ ever asks which engine it runs on.
 */
import type { ColumnDefinitionBuilder, ColumnDataType } from 'kysely';

export type Engine = 'sqlite' | 'postgres';

export interface UniqueViolation {
  /** Column or constraint name that was violated, lower case. */
  target: string;
}

export interface Capabilities {
  engine: Engine;
  /** Column type and modifiers for an auto-incremented id that is never reused. */
  idColumn: {
    type: ColumnDataType;
    modify: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  };
  /** Type for binary data. */
  blobType: ColumnDataType;
  /** Largest number of bound parameters one statement may carry. */
  maxParameters: number;
  /** The marker of the n-th bound parameter (from 1) in SQL text written by hand. */
  placeholder(n: number): string;
  /** Recognises a unique-constraint violation and says what it was on. */
  uniqueViolation(err: unknown): UniqueViolation | null;
  /** Whether a trigram index can accelerate substring search (PostgreSQL with pg_trgm). */
  trigramSearch: boolean;
  /**
   * Whether paging by id needs its own narrow index on people.id. In SQLite the id order is
   * the table itself, so skipping to a large offset reads every wide row before it; an index
   * on id is a few hundred pages. PostgreSQL's primary key index already serves.
   */
  pagingIdIndex: boolean;
  /**
   * Whether two queries sent together run at the same time (a pool of connections). SQLite's
   * one connection runs them one after the other, so there a query that may not be needed is
   * better not sent.
   */
  concurrentQueries: boolean;
  /**
   * Whether the number of people is kept in people_tally (PostgreSQL, migration 0017), so that
   * the total of an unfiltered list costs one small read and a deep page can be walked from
   * the nearer end (people-page.ts). SQLite has no need: its bare `count(*)` of a table is
   * read from the b-tree's page headers (0.02 ms for 100,000 people).
   */
  peopleTally: boolean;
  /**
   * Whether a condition that reads no column of the rows, such as a comparison with an
   * uncorrelated subquery, is tested once before a scan (PostgreSQL's one-time filter), so a
   * branch of a UNION under a false one is never run. SQLite tests it on every row, after
   * the scan has started (people-page.ts).
   */
  oneTimeFilters: boolean;
  /**
   * Whether one statement may carry several writes (PostgreSQL's data-modifying WITH; SQLite
   * has none). On PostgreSQL each statement is a round trip with its own cost in the
   * server's CPU, so writes that go together are better sent as one.
   */
  writesInOneStatement: boolean;
  /**
   * Whether write transactions run one after the other (SQLite's one connection, held by a
   * transaction from BEGIN to COMMIT), so that no transaction ever waits on another's
   * uncommitted rows. Where they run side by side (PostgreSQL), a write that must not race
   * another takes a lock first.
   */
  serialTransactions: boolean;
  /**
   * Whether a table can be stored in its primary key's order, without a rowid (SQLite's
   * WITHOUT ROWID): a table read and paged by its key then needs no second b-tree for it,
   * one page fewer written by every insert. PostgreSQL's tables are heaps beside their keys.
   */
  keyOrderedTables: boolean;
}

function errorField(err: unknown, key: string): string {
  const v =
    typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : '';
}

export const sqliteCapabilities: Capabilities = {
  engine: 'sqlite',
  writesInOneStatement: false,
  serialTransactions: true,
  keyOrderedTables: true,
  idColumn: { type: 'integer', modify: (c) => c.primaryKey().autoIncrement() },
  blobType: 'blob',
  maxParameters: 32_000,
  placeholder: () => '?',
  uniqueViolation(err) {
    const code = errorField(err, 'code');
    if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return null;
    // "UNIQUE constraint failed: people.username_key"
    const message = String(errorField(err, 'message') ?? '');
    const target = message.split(':')[1]?.split(',')[0]?.trim().split('.').pop() ?? '';
    return { target: target.toLowerCase() };
  },
  trigramSearch: false,
  pagingIdIndex: true,
  concurrentQueries: false,
  peopleTally: false,
  oneTimeFilters: false,
};

export function postgresCapabilities(trigramSearch: boolean): Capabilities {
  return {
    engine: 'postgres',
    writesInOneStatement: true,
    serialTransactions: false,
    keyOrderedTables: false,
    idColumn: { type: 'integer', modify: (c) => c.primaryKey().generatedByDefaultAsIdentity() },
    blobType: 'bytea',
    maxParameters: 65_000,
    placeholder: (n) => `$${n}`,
    uniqueViolation(err) {
      if (errorField(err, 'code') !== '23505') return null;
      // Our unique indexes are named <table>_<column>_unique; the column is what callers need.
      const constraint = String(errorField(err, 'constraint') ?? '');
      const m = /^[a-z]+_(.+)_unique$/.exec(constraint);
      return { target: (m?.[1] ?? constraint).toLowerCase() };
    },
    trigramSearch,
    pagingIdIndex: false,
    concurrentQueries: true,
    peopleTally: true,
    oneTimeFilters: true,
  };
}
