/**
 * The group part of a full run, once its users are written: read the directory's groups
 * and mirror them. It never undoes or blocks the user part: a failed read, or any failure
 * of the group writes, becomes the run's group error sentence and the run stays completed.
 */
import type { Actor } from '../context.ts';
import type { GroupSync } from './group-sync.ts';
import { emptyGroupCounts, type DirectoryEntry, type DirectoryGroupEntry } from './types.ts';
import type { EntrySource, RunReport } from './run.ts';
import type { RunItems } from './run-items.ts';

export async function runGroupPart(
  groupSync: GroupSync,
  actor: Actor,
  directoryId: number,
  source: EntrySource,
  run: {
    entries: DirectoryEntry[];
    /** Indexes of entries refused before any write. */
    refused: Set<number>;
    /** The directory's identity links before the run. */
    links: Map<string, number>;
    dryRun: boolean;
  },
  report: RunReport,
  items: RunItems,
): Promise<void> {
  const { entries, dryRun } = run;
  if (!source.readGroups) return;
  // A dry run links no account: its members include the entries the run would link.
  const pending = new Set(
    dryRun
      ? entries
          .filter((e, i) => !run.links.has(e.externalId) && !run.refused.has(i))
          .map((e) => e.externalId)
      : [],
  );
  report.groups = emptyGroupCounts();
  let read: DirectoryGroupEntry[];
  try {
    read = await source.readGroups(entries);
  } catch (err) {
    report.group_error = `The directory's groups could not be read, so no group was changed (the accounts were synced): ${err instanceof Error ? err.message : String(err)}`;
    return;
  }
  try {
    const r = await groupSync.run(actor, directoryId, read, { dryRun, pending });
    report.groups = r.counts;
    report.group_error = r.error;
    for (const i of r.items)
      items.add({
        entry: i.entry,
        person_id: null,
        action: i.action,
        changes: i.changes ? JSON.stringify(i.changes) : null,
        error: i.error,
      });
  } catch (err) {
    report.group_error = `The group sync stopped on an error; what it had written is whole, and the next run finishes the work: ${err instanceof Error ? err.message : String(err)}`;
  }
}
