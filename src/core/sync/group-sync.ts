/**
 * A run's group sync, after its users are written: the directory's groups become Gatehouse
 * groups owned by the directory (DirectoryGroups: audited with the directory as actor, and
 * refused to every other gate), linked by stable id, with their members and nesting. Each
 * change is its own transaction, as for users, so a run cut short leaves whole changes and
 * the next run finishes the work. A dry run reports the plan and writes nothing.
 */
import type { Store } from '../../store/database.ts';
import {
  groupLinksOf,
  insertGroupLink,
  membersOfGroups,
} from '../../store/directory-group-repo.ts';
import { linksOfProvider } from '../../store/sync-repo.ts';
import { type Actor, nowIso } from '../context.ts';
import { GatehouseError } from '../errors.ts';
import type { DirectoryGroups } from './groups.ts';
import { planGroups, type PlannedGroup } from './group-plan.ts';
import {
  directoryProvider,
  emptyGroupCounts,
  type DirectoryGroupEntry,
  type GroupCounts,
} from './types.ts';

/** A run item of the group part (numbered by the runner). */
export interface GroupItem {
  entry: string;
  action:
    | 'group_created'
    | 'group_renamed'
    | 'group_members'
    | 'group_nesting'
    | 'group_removed'
    | 'group_error';
  changes: Record<string, [unknown, unknown]> | null;
  error: string | null;
}

export interface GroupSyncResult {
  counts: GroupCounts;
  items: GroupItem[];
  /** Set when the group part changed nothing for a reason that concerns it all. */
  error: string | null;
}

/** Members are written in batches of this many per transaction: a large group is never rewritten whole. */
const MEMBER_BATCH = 1000;

function sentence(err: unknown, name: string): string {
  if (err instanceof GatehouseError && err.type === 'name_taken')
    return `Another Gatehouse group is already named "${name}" (group names are unique): rename one of them, in Gatehouse or in the directory.`;
  if (err instanceof GatehouseError && err.fields && err.fields.length > 0)
    return `The group name "${name}" cannot be used: ${err.fields.map((f) => f.message).join(' ')} Rename the group in the directory.`;
  return err instanceof Error ? err.message : String(err);
}

export class GroupSync {
  constructor(
    private readonly store: Store,
    private readonly groups: DirectoryGroups,
  ) {}

  async run(
    actor: Actor,
    directoryId: number,
    read: DirectoryGroupEntry[],
    opts: { dryRun: boolean; pending: Set<string> },
  ): Promise<GroupSyncResult> {
    const db = this.store.db;
    const counts = emptyGroupCounts();
    const items: GroupItem[] = [];
    const linked = await groupLinksOf(db, directoryId);
    // As for users: a wrong group base DN or filter looks exactly like "every group was
    // deleted"; an empty answer removes nothing.
    if (read.length === 0 && linked.size > 0)
      return {
        counts,
        items,
        error: `The directory answered no groups at all, so no group was removed. Check the group base DN and filter.`,
      };
    const accounts = await linksOfProvider(db, directoryProvider(directoryId));
    const members = await membersOfGroups(
      db,
      [...linked.values()].map((l) => l.group_id),
    );
    const plan = planGroups({ read, linked, members, accounts, pending: opts.pending });
    const fail = (label: string, message: string) => {
      counts.errors++;
      items.push({ entry: label, action: 'group_error', changes: null, error: message });
    };
    for (const r of plan.refused) fail(r.label, r.message);

    // Stable id → Gatehouse group id, as groups are made (a dry run has none for new ones).
    const idOf = new Map<string, number>();
    for (const [ext, l] of linked) idOf.set(ext, l.group_id);
    const failed = new Set<string>();

    for (const g of plan.groups) {
      try {
        await this.nameAndMembers(actor, directoryId, g, opts.dryRun, counts, items, idOf);
      } catch (err) {
        failed.add(g.entry.externalId);
        fail(g.entry.label, sentence(err, g.entry.name.trim()));
      }
    }
    await this.nesting(actor, directoryId, plan.groups, opts.dryRun, idOf, failed, counts, items);
    // Groups gone from the directory go here too (their memberships with them; people stay):
    // kept empty, a group no one may change or delete would stay in every list for ever.
    for (const l of plan.gone) {
      try {
        if (!opts.dryRun) await this.groups.delete(actor, directoryId, l.group_id);
        counts.removed++;
        items.push({
          entry: l.name,
          action: 'group_removed',
          changes: { name: [l.name, null] },
          error: null,
        });
      } catch (err) {
        fail(l.name, sentence(err, l.name));
      }
    }
    return { counts, items, error: null };
  }

  private async nameAndMembers(
    actor: Actor,
    directoryId: number,
    g: PlannedGroup,
    dryRun: boolean,
    counts: GroupCounts,
    items: GroupItem[],
    idOf: Map<string, number>,
  ): Promise<void> {
    const name = g.entry.name.trim();
    if (g.groupId === null) {
      const first = g.add.slice(0, MEMBER_BATCH);
      let added = first.length;
      if (!dryRun) {
        const id = await this.groups.create(actor, directoryId, name, first, (tx, groupId) =>
          insertGroupLink(tx, {
            directory_id: directoryId,
            external_id: g.entry.externalId,
            group_id: groupId,
            created_at: nowIso(),
          }),
        );
        idOf.set(g.entry.externalId, id);
        added += await this.addRest(actor, directoryId, id, g.add.slice(MEMBER_BATCH));
      } else added = g.add.length + g.pendingAdds;
      counts.created++;
      counts.members_added += added;
      items.push({
        entry: g.entry.label,
        action: 'group_created',
        changes: { name: [null, name], members_added: [null, added] },
        error: null,
      });
      return;
    }
    if (g.rename) {
      if (!dryRun) await this.groups.change(actor, directoryId, g.groupId, { name: g.rename.to });
      counts.renamed++;
      items.push({
        entry: g.entry.label,
        action: 'group_renamed',
        changes: { name: [g.rename.from, g.rename.to] },
        error: null,
      });
    }
    let added = dryRun ? g.add.length + g.pendingAdds : 0;
    let removed = dryRun ? g.remove.length : 0;
    if (!dryRun) {
      for (let i = 0; i < g.remove.length; i += MEMBER_BATCH)
        removed += (
          await this.groups.change(actor, directoryId, g.groupId, {
            remove: g.remove.slice(i, i + MEMBER_BATCH),
          })
        ).removed.length;
      added += await this.addRest(actor, directoryId, g.groupId, g.add);
    }
    if (added + removed === 0) return;
    counts.members_added += added;
    counts.members_removed += removed;
    items.push({
      entry: g.entry.label,
      action: 'group_members',
      changes: {
        ...(added > 0 ? { members_added: [null, added] } : {}),
        ...(removed > 0 ? { members_removed: [removed, null] } : {}),
      },
      error: null,
    });
  }

  private async addRest(
    actor: Actor,
    directoryId: number,
    groupId: number,
    personIds: number[],
  ): Promise<number> {
    let added = 0;
    for (let i = 0; i < personIds.length; i += MEMBER_BATCH)
      added += (
        await this.groups.change(actor, directoryId, groupId, {
          add: personIds.slice(i, i + MEMBER_BATCH),
        })
      ).added.length;
    return added;
  }

  /**
   * Parents as the plan chose them. A change that would close a loop with a parent not yet
   * moved waits for the others; when none can go on, the first waiting group goes to the top
   * level for a moment (the plan's tree has no loop, so that always ends).
   */
  private async nesting(
    actor: Actor,
    directoryId: number,
    planned: PlannedGroup[],
    dryRun: boolean,
    idOf: Map<string, number>,
    failed: Set<string>,
    counts: GroupCounts,
    items: GroupItem[],
  ): Promise<void> {
    const nameOfExt = new Map(planned.map((g) => [g.entry.externalId, g.entry.name.trim()]));
    let waiting = planned.filter(
      (g) => !failed.has(g.entry.externalId) && g.parent !== g.currentParent,
    );
    for (const g of planned)
      if (g.loop) {
        counts.errors++;
        items.push({ entry: g.entry.label, action: 'group_error', changes: null, error: g.loop });
      }
    const done = (g: PlannedGroup) => {
      counts.nesting_changed++;
      items.push({
        entry: g.entry.label,
        action: 'group_nesting',
        changes: {
          inside: [
            g.currentParentName,
            g.parent === null ? null : (nameOfExt.get(g.parent) ?? null),
          ],
          ...(g.alsoInside.length > 0 ? { also_inside_in_directory: [null, g.alsoInside] } : {}),
        },
        error: null,
      });
    };
    if (dryRun) {
      waiting.forEach(done);
      return;
    }
    // A parent whose group could not be made: the child stays where it is this run.
    waiting = waiting.filter((g) => g.parent === null || idOf.has(g.parent));
    while (waiting.length > 0) {
      const next: PlannedGroup[] = [];
      for (const g of waiting) {
        const id = idOf.get(g.entry.externalId)!;
        const parentId = g.parent === null ? null : idOf.get(g.parent)!;
        try {
          await this.groups.setParent(actor, directoryId, id, parentId);
          done(g);
        } catch (err) {
          if (err instanceof GatehouseError && err.type === 'group_cycle') next.push(g);
          else {
            counts.errors++;
            items.push({
              entry: g.entry.label,
              action: 'group_error',
              changes: null,
              error: sentence(err, g.entry.name),
            });
          }
        }
      }
      if (next.length === waiting.length) {
        const stuck = next[0]!;
        await this.groups.setParent(actor, directoryId, idOf.get(stuck.entry.externalId)!, null);
      }
      waiting = next;
    }
  }
}
