/**
 * The stored accounts a run's plan compares its entries with: each linked entry's account,
 * and for an unlinked entry the account holding its username (with which of those hold an
 * administration grant), in the columns the plan compares. Looked up page by page while the directory is still being read, so
 * that the database's work overlaps the directory's, and the plan itself runs in memory.
 */
import type { Executor } from '../../store/people-repo.ts';
import {
  administratorsAmong,
  planRowsByIds,
  planRowsByUsernameKeys,
  type PlanPersonRow,
} from '../../store/sync-repo.ts';
import { usernameKey } from '../normalize.ts';
import type { DirectoryEntry } from './types.ts';

export interface PlanLookups {
  /** Linked accounts by person id. */
  persons: Map<number, PlanPersonRow>;
  /** Holders of unlinked entries' usernames, by username key. */
  byKey: Map<string, PlanPersonRow>;
  /** Which of those holders (local accounts) are administrators. */
  admins: Set<number>;
}

export function emptyLookups(): PlanLookups {
  return { persons: new Map(), byKey: new Map(), admins: new Set() };
}

/** Statements stay within the engines' parameter limits. */
const CHUNK = 500;

/** Adds what the plan needs to know about `entries` to `into`. */
export async function lookUp(
  db: Executor,
  entries: readonly DirectoryEntry[],
  links: ReadonlyMap<string, number>,
  into: PlanLookups,
): Promise<void> {
  for (let start = 0; start < entries.length; start += CHUNK) {
    const part = entries.slice(start, start + CHUNK);
    const linkedIds: number[] = [];
    const unlinkedKeys: string[] = [];
    for (const e of part) {
      const id = links.get(e.externalId);
      if (id === undefined) unlinkedKeys.push(usernameKey(e.username));
      else linkedIds.push(id);
    }
    for (const p of await planRowsByIds(db, linkedIds)) into.persons.set(p.id, p);
    const holders = await planRowsByUsernameKeys(db, unlinkedKeys);
    for (const p of holders) into.byKey.set(p.username_key, p);
    const locals = holders.filter((p) => p.directory_id === null).map((p) => p.id);
    for (const id of await administratorsAmong(db, locals)) into.admins.add(id);
  }
}
