/**
 * Checks a change to a person must pass before it is written: the directory's ownership of
 * its fields, and that a manager and an extranet exist with no loop in the org chart.
 */
import * as repo from '../store/people-repo.ts';
import type { Store } from '../store/database.ts';
import type { PersonRow } from '../store/schema.ts';
import type { ShownPersonRow } from '../store/person-columns.ts';
import { findDirectory } from '../store/directory-repo.ts';
import { findCollectionItem } from '../store/collection-repo.ts';
import type { Actor } from './context.ts';
import { GatehouseError, fail } from './errors.ts';
import { forbiddenOwnedFields, ownedFieldsError } from './ownership.ts';

export async function assertNotOwned(
  tx: repo.Executor,
  current: PersonRow,
  touched: string[],
  actor: Actor,
): Promise<void> {
  if (current.directory_id === null || touched.length === 0) return;
  const dir = await findDirectory(tx, current.directory_id);
  const mapping = dir ? (JSON.parse(dir.owned_fields) as string[]) : [];
  const bad = forbiddenOwnedFields(current, mapping, touched, actor);
  if (bad.length > 0) throw ownedFieldsError(bad, dir?.name ?? `#${current.directory_id}`);
}

/** Checks that a manager and extranet exist and that the manager makes no loop. */
export async function checkReferences(
  tx: repo.Executor,
  managerId: number | null,
  extranetId: number | null,
  selfId: number | null,
): Promise<void> {
  if (managerId !== null) {
    if (managerId === selfId)
      fail('manager_cycle', 'A person cannot be their own manager. Choose another manager.');
    if (!(await repo.findPerson(tx, managerId))) {
      throw new GatehouseError('validation_failed', undefined, [
        { field: 'manager_id', message: `No person has id ${managerId}.` },
      ]);
    }
    if (selfId !== null) {
      let cursor: number | null = managerId;
      for (let depth = 0; cursor !== null && depth < 10_000; depth++) {
        if (cursor === selfId) fail('manager_cycle');
        cursor = await repo.managerOf(tx, cursor);
      }
    }
  }
  if (extranetId !== null) {
    const ex = await findCollectionItem(tx, 'extranets', extranetId);
    if (!ex)
      throw new GatehouseError('validation_failed', undefined, [
        { field: 'extranet_id', message: `No extranet area has id ${extranetId}.` },
      ]);
  }
}

/** The person's row, or not_found with the sentence every gate shows. */
export async function personRow(db: repo.Executor, id: number): Promise<PersonRow> {
  const row = await repo.findPerson(db, id);
  if (!row) fail('not_found', `No person has id ${id}.`);
  return row;
}

/** The same with the shown columns only (store/person-columns.ts), for a person to show. */
export async function shownPersonRow(db: repo.Executor, id: number): Promise<ShownPersonRow> {
  const row = await repo.findShownPerson(db, id);
  if (!row) fail('not_found', `No person has id ${id}.`);
  return row;
}

/** The fields of a synced account that only its directory may change; empty for local accounts. */
export async function ownedFieldsOf(
  store: Store,
  p: { directory_id: number | null },
): Promise<string[]> {
  if (p.directory_id === null) return [];
  const dir = await findDirectory(store.db, p.directory_id);
  return ['state', 'password', ...(dir ? (JSON.parse(dir.owned_fields) as string[]) : [])];
}
