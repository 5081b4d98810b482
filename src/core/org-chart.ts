/**
 * The org chart seen from a manager: their direct reports, read and replaced as a set. Each
 * report's change of manager is a change of that person (its own version and audit event),
 * made by the caller's `changeManager`, so the people rules apply to it.
 */
import type { Transaction } from 'kysely';
import type { Store } from '../store/database.ts';
import type { DB } from '../store/schema.ts';
import * as repo from '../store/people-repo.ts';
import { GatehouseError } from './errors.ts';
import { personRow } from './person-checks.ts';
import { toPerson, type Person } from './person.ts';
import { withUniqueErrors } from './uniqueness.ts';

type Tx = Transaction<DB>;

/** Makes exactly `ids` the direct reports of `managerId`, all or nothing (one transaction). */
export function setSubordinates(
  store: Store,
  managerId: number,
  ids: number[],
  changeManager: (tx: Tx, personId: number, to: number | null) => Promise<unknown>,
): Promise<number[]> {
  const wanted = [...new Set(ids)];
  return withUniqueErrors(store.caps, () =>
    store.db.transaction().execute(async (tx) => {
      await personRow(tx, managerId);
      const found = await repo.existingPersonIds(tx, wanted);
      const missing = wanted.filter((sid) => !found.has(sid));
      if (missing.length > 0)
        throw new GatehouseError('validation_failed', undefined, [
          { field: 'ids', message: `No person has id ${missing.slice(0, 10).join(', ')}.` },
        ]);
      const current = await repo.subordinateIds(tx, managerId);
      for (const sid of current.filter((c) => !wanted.includes(c)))
        await changeManager(tx, sid, null);
      for (const sid of wanted.filter((w) => !current.includes(w)))
        await changeManager(tx, sid, managerId);
      return repo.subordinateIds(tx, managerId);
    }),
  );
}

export async function subordinatesOf(store: Store, managerId: number): Promise<Person[]> {
  const { rows } = await repo.listPeople(
    store.db,
    { managerId },
    { offset: 0, limit: 10_000 },
    store.caps,
  );
  return rows.map(toPerson);
}
