/**
 * The identity links of the accounts a run's bulk create made, written in the batch's own
 * transaction (its beforeCommit), so that an account and its link commit together.
 */
import type { Executor } from '../../store/people-repo.ts';
import { insertLinks, planRowsByUsernameKeys } from '../../store/sync-repo.ts';
import { nowIso } from '../context.ts';
import { usernameKey } from '../normalize.ts';
import type { DirectoryEntry } from './types.ts';

/** Username keys per statement (the engines' parameter limits). */
const CHUNK = 500;

export async function linkCreated(
  tx: Executor,
  directoryId: number,
  provider: string,
  created: readonly DirectoryEntry[],
  links: ReadonlyMap<string, number>,
): Promise<void> {
  // Only the rows the batch created: a key already linked is another account.
  const linkedIds = new Set(links.values());
  const at = nowIso();
  // A chunk at a time: a run of 100,000 new accounts holds no second map of them all
  // (this runs at the batch's peak of memory, with every row's outcome held).
  for (let s = 0; s < created.length; s += CHUNK) {
    const byKey = new Map(
      created.slice(s, s + CHUNK).map((e) => [usernameKey(e.username), e.externalId]),
    );
    const made: { externalId: string; personId: number }[] = [];
    for (const r of await planRowsByUsernameKeys(tx, [...byKey.keys()]))
      // Only accounts this batch made for the directory: a local account created under the
      // same username while the run planned is not taken over by the link.
      if (r.directory_id === directoryId && !linkedIds.has(r.id))
        made.push({ externalId: byKey.get(r.username_key)!, personId: r.id });
    await insertLinks(tx, provider, made, at);
  }
}
