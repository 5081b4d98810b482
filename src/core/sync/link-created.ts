/**
 * The identity links of the accounts a run's bulk create made, written in the batch's own
 * transaction (its beforeCommit), so that an account and its link commit together.
 */
import type { Executor } from '../../store/people-repo.ts';
import { insertLinks, planRowsByUsernameKeys } from '../../store/sync-repo.ts';
import { nowIso } from '../context.ts';
import { usernameKey } from '../normalize.ts';
import type { DirectoryEntry } from './types.ts';

export async function linkCreated(
  tx: Executor,
  directoryId: number,
  provider: string,
  created: readonly DirectoryEntry[],
  links: ReadonlyMap<string, number>,
): Promise<void> {
  const byKey = new Map(created.map((e) => [usernameKey(e.username), e.externalId]));
  const keys = [...byKey.keys()];
  const made: { externalId: string; personId: number }[] = [];
  for (let s = 0; s < keys.length; s += 500)
    for (const r of await planRowsByUsernameKeys(tx, keys.slice(s, s + 500)))
      // Only accounts this batch made for the directory: a local account created under the
      // same username while the run planned is not taken over by the link.
      if (r.directory_id === directoryId)
        made.push({ externalId: byKey.get(r.username_key)!, personId: r.id });
  // Only the rows the batch created: a key already linked is another account.
  const linkedIds = new Set(links.values());
  await insertLinks(
    tx,
    provider,
    made.filter((m) => !linkedIds.has(m.personId)),
    nowIso(),
  );
}
