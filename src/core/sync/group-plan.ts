/**
 * Planning a run's group sync: the directory's groups as read, against the Gatehouse groups
 * they made before (linked by stable id), sorted into creates, renames, member additions and
 * removals, nesting, and groups gone. Pure: the writer (group-sync.ts) applies it, and a dry
 * run reports it as it is.
 *
 * The rules (docs/sync.md, "Group sync"):
 * - members are the directory's own accounts only: a member entry the run did not read (out
 *   of the filter or the sync group, or not a user) is not a member here, and a member of
 *   the Gatehouse group that is not one of the directory's accounts is left alone;
 * - a Gatehouse group sits inside at most one group (groups.parent_id), while a directory
 *   group may be a member of several: it goes inside the one it is inside already, else the
 *   first by name; a loop in the directory's nesting is broken and reported.
 */
import type { LinkedGroupRow } from '../../store/directory-group-repo.ts';
import type { DirectoryGroupEntry } from './types.ts';

export interface GroupPlanInput {
  read: DirectoryGroupEntry[];
  linked: Map<string, LinkedGroupRow>;
  /** Members now of each linked group. */
  members: Map<number, number[]>;
  /** The directory's accounts: entry stable id → person id. */
  accounts: Map<string, number>;
  /** Dry run: entries that would get an account in this run (not linked yet). */
  pending: Set<string>;
}

export interface PlannedGroup {
  entry: DirectoryGroupEntry;
  /** The Gatehouse group, for a linked one. */
  groupId: number | null;
  rename: { from: string; to: string } | null;
  add: number[];
  remove: number[];
  /** Members that would be accounts made by this run (dry run only). */
  pendingAdds: number;
  /** The parent as a stable id among the groups read; null: top level. */
  parent: string | null;
  /** The parent now, as a stable id (null: top level or not one of the directory's groups). */
  currentParent: string | null;
  /** The Gatehouse name of the parent now (it may be a group the directory no longer has). */
  currentParentName: string | null;
  /** Other groups it is a member of in the directory, which Gatehouse cannot also show. */
  alsoInside: string[];
  /** The nesting loop this group's parent would close, as a sentence. */
  loop: string | null;
}

export interface GroupPlan {
  groups: PlannedGroup[];
  /** Linked groups the directory no longer has. */
  gone: LinkedGroupRow[];
  /** Entries refused before any write (a stable id twice). */
  refused: { label: string; message: string }[];
}

const byName = (a: DirectoryGroupEntry, b: DirectoryGroupEntry) =>
  a.name.toLowerCase() < b.name.toLowerCase()
    ? -1
    : a.name.toLowerCase() > b.name.toLowerCase()
      ? 1
      : a.externalId < b.externalId
        ? -1
        : 1;

export function planGroups(input: GroupPlanInput): GroupPlan {
  const refused: GroupPlan['refused'] = [];
  const seen = new Map<string, DirectoryGroupEntry>();
  const twice = new Set<string>();
  for (const g of input.read) {
    if (seen.has(g.externalId)) twice.add(g.externalId);
    else seen.set(g.externalId, g);
  }
  for (const g of input.read)
    if (twice.has(g.externalId))
      refused.push({
        label: g.label,
        message: `Two directory groups have the stable id ${g.externalId}; neither is applied.`,
      });
  // Sorted by name: which of two same-named groups gets the name, and which parent is
  // chosen, stay the same from run to run.
  const read = [...seen.values()].filter((g) => !twice.has(g.externalId)).sort(byName);
  const nameOfGroup = new Map([...input.linked.values()].map((l) => [l.group_id, l.name]));
  const extOfGroup = new Map<number, string>();
  for (const [ext, l] of input.linked) extOfGroup.set(l.group_id, ext);
  const readIds = new Set(read.map((g) => g.externalId));

  // Parents: the groups each group is a direct member of.
  const parentsOf = new Map<string, DirectoryGroupEntry[]>();
  for (const p of read)
    for (const child of new Set(p.memberGroupExternalIds))
      if (child !== p.externalId && readIds.has(child))
        parentsOf.set(child, [...(parentsOf.get(child) ?? []), p]);
  const parent = new Map<string, string | null>();
  const currentParent = new Map<string, string | null>();
  for (const g of read) {
    const l = input.linked.get(g.externalId);
    const now = l?.parent_id != null ? (extOfGroup.get(l.parent_id) ?? null) : null;
    currentParent.set(g.externalId, now);
    const options = parentsOf.get(g.externalId) ?? [];
    const keep = options.find((p) => p.externalId === now);
    parent.set(g.externalId, (keep ?? options[0])?.externalId ?? null);
  }
  // A loop in the directory (A in B, B in A) cannot be a tree: the first group by name
  // whose parent closes it goes inside another of its parents that closes none, or else to
  // the top level.
  const loops = new Map<string, string>();
  const nameOf = new Map(read.map((g) => [g.externalId, g.name]));
  /** The chain of parents above `start`, and whether it comes back to `self`. */
  const closes = (self: string, start: string | null): string[] | null => {
    const path: string[] = [self];
    let cursor = start;
    while (cursor !== null && !path.includes(cursor)) {
      path.push(cursor);
      cursor = parent.get(cursor) ?? null;
    }
    return cursor === self ? path : null;
  };
  for (const g of read) {
    const path = closes(g.externalId, parent.get(g.externalId) ?? null);
    if (!path) continue;
    const other = (parentsOf.get(g.externalId) ?? []).find(
      (p) => closes(g.externalId, p.externalId) === null,
    );
    parent.set(g.externalId, other?.externalId ?? null);
    const where = other ? `inside "${other.name}"` : 'at the top level';
    loops.set(
      g.externalId,
      `The directory nests these groups in a loop: ${[...path, g.externalId].map((e) => `"${nameOf.get(e)}"`).join(' in ')}. Gatehouse shows "${g.name}" ${where}; remove one of the nestings in the directory.`,
    );
  }

  const owned = new Set(input.accounts.values());
  const groups: PlannedGroup[] = read.map((g) => {
    const l = input.linked.get(g.externalId);
    const wanted = new Set<number>();
    let pendingAdds = 0;
    for (const m of new Set(g.memberExternalIds)) {
      const pid = input.accounts.get(m);
      if (pid !== undefined) wanted.add(pid);
      else if (input.pending.has(m)) pendingAdds++;
    }
    const now = l ? (input.members.get(l.group_id) ?? []).filter((p) => owned.has(p)) : [];
    const nowSet = new Set(now);
    const chosen = parent.get(g.externalId) ?? null;
    return {
      entry: g,
      groupId: l?.group_id ?? null,
      rename: l && l.name !== g.name.trim() ? { from: l.name, to: g.name.trim() } : null,
      add: [...wanted].filter((p) => !nowSet.has(p)),
      remove: now.filter((p) => !wanted.has(p)),
      pendingAdds,
      parent: chosen,
      currentParent: currentParent.get(g.externalId) ?? null,
      currentParentName: l?.parent_id != null ? (nameOfGroup.get(l.parent_id) ?? null) : null,
      alsoInside: (parentsOf.get(g.externalId) ?? [])
        .filter((p) => p.externalId !== chosen)
        .map((p) => p.name),
      loop: loops.get(g.externalId) ?? null,
    };
  });
  const gone = [...input.linked.entries()].filter(([ext]) => !seen.has(ext)).map(([, l]) => l);
  return { groups, gone, refused };
}
