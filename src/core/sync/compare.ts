/**
 * Whether a directory entry would change the account it is linked to, compared as the account
 * stores its values (the plan's in-memory test of an unchanged entry: no write, no audit).
 */
import type { PlanPersonRow } from '../../store/sync-repo.ts';
import { storedForm } from '../person.ts';
import type { DirectoryEntry, SyncableField } from './types.ts';

/**
 * True when the entry would change the stored account. `managerId` undefined leaves the
 * manager out of the comparison (the entry names none, or it is not resolved yet).
 */
export function differs(
  entry: DirectoryEntry,
  p: PlanPersonRow,
  managerId: number | null | undefined,
): boolean {
  // Compared as they would be stored (trimmed, NFC, an empty user code as none): a mapped
  // attribute the entry lacks is '' here but a null user code in the row.
  // One field at a time, without copying the entry (this runs for every entry of a run).
  const stored = p as unknown as Record<string, unknown>;
  if (p.username !== storedForm('username', entry.username)) return true;
  for (const f in entry.fields) {
    const v = entry.fields[f as SyncableField];
    if (stored[f] !== (v === undefined ? undefined : storedForm(f, v))) return true;
  }
  const names = Object.keys(entry.profile);
  if (names.length > 0) {
    const profile = JSON.parse(p.profile) as Record<string, unknown>;
    for (const n of names) if ((profile[n] ?? null) !== (entry.profile[n] ?? null)) return true;
  }
  if (managerId !== undefined && managerId !== p.manager_id) return true;
  if (entry.active && p.state === 'blocked' && p.blocked_by === 'directory') return true;
  if (!entry.active && p.state !== 'blocked') return true;
  return false;
}
