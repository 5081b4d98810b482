/**
 * Planning a full run: each entry read from the directory sorted into what it needs —
 * nothing (the common case of a run with nothing changed: compared in memory, no write, no
 * audit event), a new account (written in bulk by the batch engine), a change of an existing
 * account (written entry by entry, each in its own transaction), or an error — and the
 * directory's accounts whose entries are gone.
 */
import type { Executor } from '../../store/people-repo.ts';
import { peopleByIds } from '../../store/sync-repo.ts';
import { NOT_SAME, SAME_NO_MANAGER, type PlanLookups } from './plan-lookups.ts';
import { usernameKey } from '../normalize.ts';
import { differs } from './compare.ts';
import { matchEntry } from './match.ts';
import { entryError, type DirectoryEntry, type EntryOutcome } from './types.ts';

export interface PlannedRun {
  /** Indexes of entries that make new accounts. */
  creates: number[];
  /** Indexes of entries that change an existing account (or link one). */
  changes: number[];
  unchanged: number;
  /** Entries refused before any write, by index. */
  errors: Map<number, EntryOutcome>;
  /** Accounts of the directory whose entry is gone, and are not blocked yet. */
  gone: { personId: number; username: string; externalId: string }[];
  /** Accounts active now that the run would block (gone, or disabled in the directory). */
  wouldBlock: { personId: number; username: string }[];
  /**
   * Manager of each entry, as an index into the entries (resolved from DNs or stable ids),
   * flat by entry index: NO_MANAGER_MAPPED, MANAGER_NONE, or the index (read with managerAt).
   */
  managerIndex: Int32Array;
}

const NO_MANAGER_MAPPED = -2;
const MANAGER_NONE = -1;

/** Entry i's manager: an entry index, null (none: cleared), undefined (not mapped: left as is). */
export function managerAt(plan: PlannedRun, i: number): number | null | undefined {
  const m = plan.managerIndex[i] ?? NO_MANAGER_MAPPED;
  return m === NO_MANAGER_MAPPED ? undefined : m === MANAGER_NONE ? null : m;
}

const CHUNK = 500;

export async function planRun(
  db: Executor,
  directory: { id: number; name: string; adopt_local_accounts: boolean },
  entries: DirectoryEntry[],
  links: Map<string, number>,
  directoryNames: Map<number, string>,
  lookups: PlanLookups,
  scope: { incremental: boolean; deleted: string[] } = { incremental: false, deleted: [] },
): Promise<PlannedRun> {
  const { persons, same, byKey, admins } = lookups;
  const plan: PlannedRun = {
    creates: [],
    changes: [],
    unchanged: 0,
    errors: new Map(),
    gone: [],
    wouldBlock: [],
    managerIndex: new Int32Array(entries.length).fill(NO_MANAGER_MAPPED),
  };
  // Stable ids and DNs to entries, for duplicates and managers.
  const byId = new Map<string, number>();
  // DNs are indexed only when a manager is named by one: 100,000 lower-cased DNs are a
  // large share of a run's memory.
  const byDn = new Map<string, number>();
  const dnManagers = entries.some((e) => e.manager?.kind === 'dn');
  const byUsername = new Map<string, number>();
  entries.forEach((e, i) => {
    const first = byId.get(e.externalId);
    if (first !== undefined) {
      plan.errors.set(
        i,
        entryError(
          'conflict',
          `Two entries have the stable id ${e.externalId}; neither is applied.`,
        ),
      );
      plan.errors.set(first, plan.errors.get(i)!);
    } else byId.set(e.externalId, i);
    const key = usernameKey(e.username);
    const other = byUsername.get(key);
    if (other !== undefined) {
      const err = entryError(
        'username_taken',
        `Two entries have the username "${e.username}"; neither is applied.`,
      );
      plan.errors.set(i, err);
      plan.errors.set(other, err);
    } else byUsername.set(key, i);
    if (dnManagers && e.dn) byDn.set(e.dn.toLowerCase(), i);
  });
  entries.forEach((e, i) => {
    if (e.manager === undefined) return;
    if (e.manager === null) return void (plan.managerIndex[i] = MANAGER_NONE);
    const m =
      e.manager.kind === 'dn' ? byDn.get(e.manager.ref.toLowerCase()) : byId.get(e.manager.ref);
    plan.managerIndex[i] = m ?? MANAGER_NONE;
  });
  // The entries read, by stable id: a link among them is live.
  const liveLinks: ReadonlySet<string> | ReadonlyMap<string, number> = byId;
  // Person id → this directory's link, for the holders of unlinked entries' usernames
  // (none in a run of linked entries: made when first needed).
  let personLinks: Map<number, string> | undefined;
  const linkOf = (personId: number): string | undefined => {
    if (!personLinks) {
      personLinks = new Map();
      for (const [ext, pid] of links) personLinks.set(pid, ext);
    }
    return personLinks.get(personId);
  };
  const managerIdOf = (i: number): number | null | undefined => {
    const mi = managerAt(plan, i);
    return mi === undefined || mi === null ? mi : (links.get(entries[mi]!.externalId) ?? -1);
  };
  for (let i = 0; i < entries.length; i++) {
    if (plan.errors.has(i)) continue;
    const e = entries[i]!;
    // Compared with its linked account as the page was read: the same apart from the
    // manager, whose entry may have come later.
    const s = same[i] ?? NOT_SAME;
    if (s !== NOT_SAME) {
      const managerId = managerIdOf(i);
      if (managerId !== undefined && managerId !== (s === SAME_NO_MANAGER ? null : s))
        plan.changes.push(i);
      else plan.unchanged++;
      continue;
    }
    const linkedId = links.get(e.externalId);
    const linked = linkedId === undefined ? undefined : persons.get(linkedId);
    const holder = linked ? undefined : byKey.get(usernameKey(e.username));
    const holderLink = holder ? linkOf(holder.id) : undefined;
    const m = matchEntry(
      {
        directoryId: directory.id,
        adoptLocal: directory.adopt_local_accounts,
        linked,
        byUsername: holder,
        byUsernameLink: holderLink,
        // An incremental run reads only changed entries: a link not among them is live
        // unless the directory has blocked its account (as for one entry at a time).
        byUsernameLinkLive:
          holderLink !== undefined &&
          (scope.incremental
            ? !(holder?.state === 'blocked' && holder.blocked_by === 'directory')
            : liveLinks.has(holderLink)),
        ownerName:
          holder?.directory_id != null ? directoryNames.get(holder.directory_id) : undefined,
        holderIsAdministrator: holder !== undefined && admins.has(holder.id),
      },
      e.username,
    );
    if (m.kind === 'conflict') {
      plan.errors.set(i, entryError('username_taken', m.message, holder?.id ?? null));
    } else if (m.kind === 'create') plan.creates.push(i);
    else if (m.kind === 'linked') {
      if (differs(e, m.person, managerIdOf(i))) plan.changes.push(i);
      else plan.unchanged++;
      if (!e.active && m.person.state !== 'blocked')
        plan.wouldBlock.push({ personId: m.person.id, username: m.person.username });
    } else plan.changes.push(i);
  }
  // Accounts whose entry is gone: linked and not seen by a full run; an incremental run
  // knows only the deletions the directory reports (AD's Deleted Objects).
  const goneIds: { personId: number; externalId: string }[] = [];
  if (scope.incremental) {
    for (const ext of scope.deleted) {
      const pid = links.get(ext);
      if (pid !== undefined && !liveLinks.has(ext))
        goneIds.push({ personId: pid, externalId: ext });
    }
  } else
    for (const [ext, pid] of links)
      if (!liveLinks.has(ext)) goneIds.push({ personId: pid, externalId: ext });
  for (let start = 0; start < goneIds.length; start += CHUNK) {
    const part = goneIds.slice(start, start + CHUNK);
    const rows = new Map(
      (
        await peopleByIds(
          db,
          part.map((g) => g.personId),
        )
      ).map((p) => [p.id, p]),
    );
    for (const g of part) {
      const p = rows.get(g.personId);
      if (!p || p.directory_id !== directory.id || p.state === 'blocked') continue;
      plan.gone.push({ personId: p.id, username: p.username, externalId: g.externalId });
      plan.wouldBlock.push({ personId: p.id, username: p.username });
    }
  }
  return plan;
}
