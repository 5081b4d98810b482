/**
 * Manager references across the rows of a batch and the database: managers named by id
 * must exist, managers created by the batch must be created, and no link may close a loop
 * in the org chart.
 */
import { managerLinks } from '../../store/batch-repo.ts';
import * as repo from '../../store/people-repo.ts';
import type { Executor } from '../../store/people-repo.ts';
import type { FieldError } from '../errors.ts';
import { chunks } from './slices.ts';
import type { Kept } from './types.ts';

/** Refuses rows whose manager does not exist, is refused, or would close a loop. */
export async function checkManagers(
  db: Executor,
  kept: Kept[],
  createdIndex: Map<string, number>,
  fail: (k: Kept, e: FieldError) => void,
): Promise<void> {
  const live = () => kept.filter((k) => k.outcome.action !== 'error');
  // Managers by id must exist.
  const ids = [
    ...new Set(
      live().flatMap((k) =>
        k.managerId !== undefined && k.managerId !== null ? [k.managerId] : [],
      ),
    ),
  ];
  const found = new Set<number>();
  for (const part of chunks(ids))
    for (const id of await repo.existingPersonIds(db, part)) found.add(id);
  for (const k of live())
    if (k.managerId !== undefined && k.managerId !== null && !found.has(k.managerId))
      fail(k, { field: 'manager', message: `No person has id ${k.managerId}.` });
  await settleManagers(db, kept, createdIndex, fail);
}

/**
 * Managers created in this batch must be created (not refused), and no manager link may
 * close a loop in the org chart, counting links already stored and links made by the batch.
 * Refusing one row can strand another, so this repeats until nothing changes.
 */
async function settleManagers(
  db: Executor,
  kept: Kept[],
  createdIndex: Map<string, number>,
  fail: (k: Kept, e: FieldError) => void,
): Promise<void> {
  const touches = kept.some(
    (k) => k.managerPending !== undefined || (k.existing && k.update?.manager_id !== undefined),
  );
  const stored = new Map<number, number>();
  if (touches) {
    for (const r of await managerLinks(db)) stored.set(r.id, r.manager_id!);
  }
  // Nodes: stored people by id; people the batch creates by -(index + 1). Looked up through
  // the rows themselves, so 100,000 new people need no map of their own.
  const existingIndex = new Map<number, number>();
  kept.forEach((k, i) => {
    if (!k.creates) existingIndex.set(k.outcome.person_id!, i);
  });
  const nodeOf = (i: number) => (kept[i]!.creates ? -(i + 1) : kept[i]!.outcome.person_id!);
  const rowAt = (node: number): Kept | undefined => {
    if (node < 0) return kept[-node - 1];
    const i = existingIndex.get(node);
    return i === undefined ? undefined : kept[i];
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const k of kept) {
      if (k.outcome.action === 'error' || k.managerPending === undefined) continue;
      const target = kept[createdIndex.get(k.managerPending)!]!;
      if (target.outcome.action === 'error') {
        fail(k, {
          field: 'manager',
          message: `The manager "${target.outcome.username}" is on row ${target.outcome.row}, which has errors.`,
        });
        changed = true;
      }
    }
    if (!touches) continue;
    const link = (node: number): number | null => {
      const k = rowAt(node);
      if (k && k.outcome.action !== 'error') {
        if (k.managerPending !== undefined) return nodeOf(createdIndex.get(k.managerPending)!);
        if (k.creates) return k.managerId ?? null;
        if (k.update?.manager_id !== undefined) return k.update.manager_id;
      }
      return node > 0 ? (stored.get(node) ?? null) : null;
    };
    const safeCreated = new Uint8Array(kept.length);
    const safeStored = new Set<number>();
    const isSafe = (n: number) => (n < 0 ? safeCreated[-n - 1] === 1 : safeStored.has(n));
    let loop = false;
    for (let i = 0; i < kept.length && !loop; i++) {
      const path: number[] = [];
      const onPath = new Set<number>();
      let cur: number | null = nodeOf(i);
      while (cur !== null && !isSafe(cur)) {
        if (onPath.has(cur)) {
          for (const n of path.slice(path.indexOf(cur))) {
            const q = rowAt(n);
            if (q && q.outcome.action !== 'error') {
              fail(q, {
                field: 'manager',
                message: 'This manager would make a loop in the org chart.',
              });
              loop = true;
            }
          }
          break;
        }
        path.push(cur);
        onPath.add(cur);
        cur = link(cur);
      }
      // After a loop the links changed: start again.
      if (!loop)
        for (const n of path)
          if (n < 0) safeCreated[-n - 1] = 1;
          else safeStored.add(n);
    }
    changed ||= loop;
  }
}
