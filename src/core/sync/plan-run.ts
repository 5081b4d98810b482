/**
 * Planning a full run: each entry read from the directory sorted into what it needs —
 * nothing (the common case of a run with nothing changed: compared in memory, no write, no
 * audit event), a new account (written in bulk by the batch engine), a change of an existing
 * account (written entry by entry, each in its own transaction), or an error — and the
 * directory's accounts whose entries are gone.
 */
import type { Executor } from '../../store/people-repo.ts';
import { peopleByIds, type PlanPersonRow } from '../../store/sync-repo.ts';
import type { PlanLookups } from './plan-lookups.ts';
import { usernameKey } from '../normalize.ts';
import { tidy } from '../person.ts';
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
  /** Manager of each entry, as an index into the entries (resolved from DNs or stable ids). */
  managerIndex: Map<number, number | null>;
}

const CHUNK = 500;

/** True when the entry would change the stored account. */
export function differs(
  entry: DirectoryEntry,
  p: PlanPersonRow,
  managerId: number | null | undefined,
): boolean {
  // Compared as they would be stored (trimmed, NFC, an empty user code as none): a mapped
  // attribute the entry lacks is '' here but a null user code in the row.
  for (const [f, v] of Object.entries(tidy({ ...entry.fields, username: entry.username })))
    if ((p as unknown as Record<string, unknown>)[f] !== v) return true;
  const names = Object.keys(entry.profile);
  if (names.length > 0) {
    const stored = JSON.parse(p.profile) as Record<string, unknown>;
    for (const n of names) if ((stored[n] ?? null) !== (entry.profile[n] ?? null)) return true;
  }
  if (managerId !== undefined && managerId !== p.manager_id) return true;
  if (entry.active && p.state === 'blocked' && p.blocked_by === 'directory') return true;
  if (!entry.active && p.state !== 'blocked') return true;
  return false;
}

export async function planRun(
  db: Executor,
  directory: { id: number; name: string; adopt_local_accounts: boolean },
  entries: DirectoryEntry[],
  links: Map<string, number>,
  directoryNames: Map<number, string>,
  lookups: PlanLookups,
  scope: { incremental: boolean; deleted: string[] } = { incremental: false, deleted: [] },
): Promise<PlannedRun> {
  const { persons, byKey, admins } = lookups;
  const plan: PlannedRun = {
    creates: [],
    changes: [],
    unchanged: 0,
    errors: new Map(),
    gone: [],
    wouldBlock: [],
    managerIndex: new Map(),
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
    if (e.manager === null) return plan.managerIndex.set(i, null);
    const m =
      e.manager.kind === 'dn' ? byDn.get(e.manager.ref.toLowerCase()) : byId.get(e.manager.ref);
    plan.managerIndex.set(i, m ?? null);
  });
  const liveLinks = new Set(byId.keys());
  const personLinks = new Map<number, string>();
  for (const [ext, pid] of links) personLinks.set(pid, ext);
  for (let i = 0; i < entries.length; i++) {
    if (plan.errors.has(i)) continue;
    const e = entries[i]!;
    const linkedId = links.get(e.externalId);
    const linked = linkedId === undefined ? undefined : persons.get(linkedId);
    const holder = linked ? undefined : byKey.get(usernameKey(e.username));
    const holderLink = holder ? personLinks.get(holder.id) : undefined;
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
      const mi = plan.managerIndex.get(i);
      const managerId =
        mi === undefined
          ? undefined
          : mi === null
            ? null
            : (links.get(entries[mi]!.externalId) ?? -1);
      if (differs(e, m.person, managerId)) plan.changes.push(i);
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
