/**
 * The group part of a full run, once its users are written: read the directory's groups
 * and mirror them. It never undoes or blocks the user part: a failed read, or any failure
 * of the group writes, becomes the run's group error sentence and the run stays completed.
 */
import type { RunItem } from '../../store/sync-repo.ts';
import type { Actor } from '../context.ts';
import type { GroupSync } from './group-sync.ts';
import { emptyGroupCounts, type DirectoryEntry, type DirectoryGroupEntry } from './types.ts';
import type { RunReport } from './run.ts';

export async function runGroupPart(
  groupSync: GroupSync,
  actor: Actor,
  directoryId: number,
  readGroups: (entries: DirectoryEntry[]) => Promise<DirectoryGroupEntry[]>,
  entries: DirectoryEntry[],
  /** Dry run: stable ids of entries the run would link to an account (new or adopted). */
  pending: Set<string>,
  dryRun: boolean,
  report: RunReport,
  items: RunItem[],
): Promise<void> {
  report.groups = emptyGroupCounts();
  let read: DirectoryGroupEntry[];
  try {
    read = await readGroups(entries);
  } catch (err) {
    report.group_error = `The directory's groups could not be read, so no group was changed (the accounts were synced): ${err instanceof Error ? err.message : String(err)}`;
    return;
  }
  try {
    const r = await groupSync.run(actor, directoryId, read, { dryRun, pending });
    report.groups = r.counts;
    report.group_error = r.error;
    for (const i of r.items)
      items.push({
        seq: items.length + 1,
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
