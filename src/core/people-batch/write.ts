/** The writes of a batch, inside its one transaction: people, memberships, sessions, audit. */
import { auditRow } from '../../audit/record.ts';
import { AUDIT_COLUMNS, insertManyAuditRows } from '../../store/audit-repo.ts';
import { deleteSessionsOf } from '../../store/auth-repo.ts';
import {
  clearUniqueColumn,
  deleteMembershipsOf,
  insertMemberships,
} from '../../store/batch-repo.ts';
import * as repo from '../../store/people-repo.ts';
import { nowIso } from '../context.ts';
import { GatehouseError } from '../errors.ts';
import { usernameKey } from '../normalize.ts';
import type { BatchServices, Context } from './context.ts';
import { createChangesJson } from './create-audit.ts';
import { planRow } from './plan-row.ts';
import { breathe, chunks, SLICE, WRITE_PARAMETERS } from './slices.ts';
import { type BatchRow, type BatchSource, isWork, type Kept, type Planned } from './types.ts';

/**
 * Writes the batch inside its transaction, a slice of the source at a time: rows to create
 * are planned again (from the same context, so to the same record) and inserted, updates
 * are written as planned. A new person whose manager is created by a later row waits
 * until that manager has an id.
 */
export async function writeBatch(
  s: BatchServices,
  tx: repo.Executor,
  ctx: Context,
  rows: BatchSource,
  kept: Kept[],
  hashes: Map<number, { hash: string; at: string }>,
  origin: string | null,
  onWritten?: (done: number) => void | Promise<void>,
): Promise<void> {
  const { actor } = ctx;
  let written = 0;
  const at = nowIso();
  // Audit events are written a statement's worth at a time: held longer, the events of
  // 100,000 new people (about 1 KB each) outlive V8's young generation and pile up as garbage.
  const auditChunk = Math.floor(WRITE_PARAMETERS / AUDIT_COLUMNS.length);
  let audits: ReturnType<typeof auditRow>[] = [];
  const flushAudits = async (all: boolean) => {
    if (audits.length === 0 || (!all && audits.length < auditChunk)) return;
    await insertManyAuditRows(tx, s.store.caps, audits, WRITE_PARAMETERS);
    audits = [];
  };
  // Values that move between people of this batch (a swap of emails or user codes) are
  // released first, so no intermediate state collides with the unique indexes.
  for (const column of ['email_key', 'user_code'] as const) {
    const moving = kept.filter((k) => isWork(k) && k.existing && k.update?.[column] !== undefined);
    for (const part of chunks(moving.map((k) => k.existing!.id)))
      await clearUniqueColumn(tx, column, part);
  }
  // Ids of new people that other rows name as manager.
  const wanted = new Set(kept.flatMap((k) => (k.managerPending ? [k.managerPending] : [])));
  const createdId = new Map<string, number>();
  const memberships = async (items: { person: number; k: Kept | Planned; created: boolean }[]) => {
    for (const [table, field, change] of [
      ['group_members', 'groupIds', 'groups'],
      ['role_members', 'roleIds', 'roles'],
    ] as const) {
      const withSets = items.filter(
        (x) => x.k[field] !== undefined && (x.created || x.k.outcome.changes?.[change]),
      );
      const replaced = withSets.filter((x) => !x.created).map((x) => x.person);
      for (const part of chunks(replaced)) await deleteMembershipsOf(tx, table, part);
      const pairs = withSets.flatMap((x) =>
        x.k[field]!.map((id) => ({ item_id: id, person_id: x.person })),
      );
      await insertMemberships(tx, s.store.caps, table, pairs, WRITE_PARAMETERS);
    }
  };
  /** Inserts, manager first, the creates whose manager has an id; returns the others. */
  const insertCreates = async (list: { i: number; p: Planned }[]) => {
    let remaining = list;
    for (;;) {
      const ready = remaining.filter(
        (x) => x.p.managerPending === undefined || createdId.has(x.p.managerPending),
      );
      if (ready.length === 0) return remaining;
      for (const { p } of ready)
        if (p.managerPending !== undefined) p.newRow!.manager_id = createdId.get(p.managerPending)!;
      const ids = await repo.insertPeople(
        tx,
        s.store.caps,
        ready.map((x) => x.p.newRow!),
        WRITE_PARAMETERS,
      );
      ready.forEach(({ i, p }, n) => {
        const id = ids[n]!;
        kept[i]!.outcome.person_id = id;
        if (wanted.has(p.newRow!.username_key)) createdId.set(p.newRow!.username_key, id);
        const event = auditRow(actor, {
          action: 'person.create',
          targetType: 'person',
          targetId: id,
          targetLabel: p.newRow!.username,
          at,
        });
        event.changes = createChangesJson(p.newRow!);
        audits.push(event);
      });
      await memberships(ready.map((x, n) => ({ person: ids[n]!, k: x.p, created: true })));
      await flushAudits(true);
      written += ready.length;
      const done = new Set(ready);
      remaining = remaining.filter((x) => !done.has(x));
      if (remaining.length === 0) return remaining;
    }
  };
  const writeUpdates = async (list: Kept[]) => {
    for (const k of list) {
      const current = k.existing!;
      if (k.managerPending !== undefined) {
        const id = createdId.get(k.managerPending)!;
        k.update!.manager_id = id;
        k.outcome.changes!.manager_id = [current.manager_id, id];
      }
      if (Object.keys(k.update!).length > 0) {
        const next = await repo.updatePersonIfVersion(tx, current.id, current.version, {
          ...k.update,
          updated_at: at,
        });
        if (!next)
          throw new GatehouseError(
            'precondition_failed',
            `The account "${current.username}" (row ${k.outcome.row}) changed while the import ran; nothing was applied. Run the import again.`,
          );
        if (k.update!.state === 'blocked') await deleteSessionsOf(tx, current.id);
      }
      audits.push(
        auditRow(actor, {
          action: 'person.update',
          targetType: 'person',
          targetId: current.id,
          targetLabel: current.username,
          changes: k.outcome.changes ?? {},
          at,
        }),
      );
      await flushAudits(false);
    }
    await memberships(list.map((k) => ({ person: k.existing!.id, k, created: false })));
    await flushAudits(true);
    written += list.length;
  };
  const noMembers = new Map<number, number[]>();
  let waitingCreates: { i: number; p: Planned }[] = [];
  const waitingUpdates: Kept[] = [];
  for (let start = 0; start < kept.length; start += SLICE) {
    await breathe();
    const end = Math.min(kept.length, start + SLICE);
    let part: BatchRow[] | undefined;
    const creates: { i: number; p: Planned }[] = [];
    const updates: Kept[] = [];
    for (let i = start; i < end; i++) {
      const k = kept[i]!;
      if (k.outcome.action === 'update') {
        if (k.managerPending !== undefined && !createdId.has(k.managerPending))
          waitingUpdates.push(k);
        else updates.push(k);
      }
      if (k.outcome.action !== 'create') continue;
      part ??= rows.slice(start, end);
      const input = part[i - start]!;
      const p = await planRow(
        s,
        ctx,
        tx,
        input,
        usernameKey(input.username),
        undefined,
        noMembers,
        noMembers,
      );
      const hashed = hashes.get(i);
      if (hashed)
        Object.assign(p.newRow!, { password_hash: hashed.hash, password_changed_at: hashed.at });
      p.newRow!.origin_source = origin;
      creates.push({ i, p });
    }
    waitingCreates.push(...(await insertCreates(creates)));
    await writeUpdates(updates);
    await onWritten?.(written);
  }
  waitingCreates = await insertCreates(waitingCreates);
  if (waitingCreates.length > 0) throw new Error('Unresolvable manager references in a batch.');
  await writeUpdates(waitingUpdates);
  await flushAudits(true);
  await onWritten?.(written);
}
