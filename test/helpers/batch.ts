/** Rows and an actor for PeopleBatch tests at the core level, as the CSV gate hands them over. */
import type { Actor } from '../../src/core/context.ts';
import type { BatchRow } from '../../src/core/people-batch/index.ts';

export const csvAdmin: Actor = { personId: null, label: 'tester', gate: 'csv' };

/** Row `n` of a file: a person with the required fields, plus anything in `extra`. */
export const batchRow = (n: number, username: string, extra: Partial<BatchRow> = {}): BatchRow => ({
  row: n,
  username,
  fields: { firstname: 'F', surname: 'S', email: `${username}@example.org` },
  ...extra,
});
