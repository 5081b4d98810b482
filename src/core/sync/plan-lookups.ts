/**
 * The stored accounts a run's plan compares its entries with, looked up page by page while
 * the directory is still being read (the database's work overlaps the directory's), and
 * compared as each page comes: the plan itself then runs in memory.
 *
 * Memory is what a run of 100,000 entries spends its time on (garbage collection copying
 * what it holds: docs/benchmarks.md, session 7), so a page's lookups keep as little as the
 * plan needs: a linked account that its entry leaves as it is keeps only its manager id, in
 * a flat array by entry index (not its row); only accounts an entry would change, and the
 * holders of unlinked entries' usernames, keep their rows. An entry that is then certainly
 * unchanged is slimmed to what the rest of the run reads of it (its ids, DN and manager).
 */
import type { Executor } from '../../store/people-repo.ts';
import {
  administratorsAmong,
  planRowsByIds,
  planRowsByUsernameKeys,
  type PlanPersonRow,
} from '../../store/sync-repo.ts';
import { usernameKey } from '../normalize.ts';
import { differs } from './compare.ts';
import type { DirectoryEntry } from './types.ts';

/** `same[i]`: entry i's linked account is not the same as the entry (or it has none). */
export const NOT_SAME = -1;
/** `same[i]`: the account is the same apart from its manager, and it has none. */
export const SAME_NO_MANAGER = -2;

export interface PlanLookups {
  /** Linked accounts an entry would change (apart from its manager), by person id. */
  persons: Map<number, PlanPersonRow>;
  /**
   * By entry index: NOT_SAME; or, for an entry whose linked account already matches it
   * apart from the manager, that account's manager id (SAME_NO_MANAGER for none).
   */
  same: number[];
  /** Holders of unlinked entries' usernames, by username key. */
  byKey: Map<string, PlanPersonRow>;
  /** Which of those holders (local accounts) are administrators. */
  admins: Set<number>;
}

export function emptyLookups(): PlanLookups {
  return { persons: new Map(), same: [], byKey: new Map(), admins: new Set() };
}

/** Statements stay within the engines' parameter limits. */
const CHUNK = 500;

const NO_FIELDS: DirectoryEntry['fields'] = Object.freeze({});
const NO_PROFILE: DirectoryEntry['profile'] = Object.freeze({});

/**
 * Adds what the plan needs to know about `entries` (the entries from index `base` of the
 * run on) to `into`; an entry certainly unchanged is replaced in `entries` by its slim form.
 */
export async function lookUp(
  db: Executor,
  entries: DirectoryEntry[],
  base: number,
  count: number,
  links: ReadonlyMap<string, number>,
  into: PlanLookups,
): Promise<void> {
  for (let start = base; start < base + count; start += CHUNK) {
    const end = Math.min(base + count, start + CHUNK);
    const linkedIds: number[] = [];
    const unlinkedKeys: string[] = [];
    for (let i = start; i < end; i++) {
      const e = entries[i]!;
      into.same[i] = NOT_SAME;
      const id = links.get(e.externalId);
      if (id === undefined) unlinkedKeys.push(usernameKey(e.username));
      else linkedIds.push(id);
    }
    if (linkedIds.length > 0) {
      const rows = new Map((await planRowsByIds(db, linkedIds)).map((p) => [p.id, p]));
      for (let i = start; i < end; i++) {
        const e = entries[i]!;
        const id = links.get(e.externalId);
        const p = id === undefined ? undefined : rows.get(id);
        if (p === undefined) continue;
        if (differs(e, p, undefined)) {
          into.persons.set(p.id, p);
          continue;
        }
        into.same[i] = p.manager_id ?? SAME_NO_MANAGER;
        // Without a manager to resolve (one that may be later in the read), nothing of the
        // entry's values is needed again: only an error (two entries with one id or
        // username) or a manager's link names it.
        if (e.manager === undefined || (e.manager === null && p.manager_id === null))
          entries[i] = slim(e);
      }
    }
    const holders = await planRowsByUsernameKeys(db, unlinkedKeys);
    for (const p of holders) into.byKey.set(p.username_key, p);
    const locals = holders.filter((p) => p.directory_id === null).map((p) => p.id);
    for (const id of await administratorsAmong(db, locals)) into.admins.add(id);
  }
}

function slim(e: DirectoryEntry): DirectoryEntry {
  const out: DirectoryEntry = {
    externalId: e.externalId,
    username: e.username,
    fields: NO_FIELDS,
    profile: NO_PROFILE,
    active: e.active,
  };
  if (e.dn !== undefined) out.dn = e.dn;
  if (e.manager !== undefined) out.manager = e.manager;
  return out;
}
