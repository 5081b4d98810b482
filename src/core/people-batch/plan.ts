/**
 * Plans a batch: every row a slice at a time (plan-row.ts), keeping a small record of each
 * (`Kept`), then the rules that span rows: email and user-code claims, user-select profile
 * values, manager references and loops.
 */
import { membershipPairs } from '../../store/batch-repo.ts';
import type * as coll from '../../store/collection-repo.ts';
import * as repo from '../../store/people-repo.ts';
import type { Executor } from '../../store/people-repo.ts';
import type { PersonRow } from '../../store/schema.ts';
import type { Actor } from '../context.ts';
import type { FieldError } from '../errors.ts';
import { usernameKey } from '../normalize.ts';
import { checkClaims, type Claims, PackedStrings } from './claims.ts';
import { type BatchServices, buildContext, type Context } from './context.ts';
import { checkManagers } from './managers.ts';
import { planRow } from './plan-row.ts';
import { breathe, chunks, SLICE } from './slices.ts';
import type { BatchSource, Kept, Planned } from './types.ts';

/** Plans every row, a slice at a time, then applies the rules that span rows. */
export async function planAll(
  s: BatchServices,
  actor: Actor,
  rows: BatchSource,
): Promise<{ kept: Kept[]; ctx: Context }> {
  const db = s.store.db;
  const ctx = await buildContext(s, actor, rows);
  // Rows creating a person that other rows name as manager, by username key.
  const createdIndex = new Map<string, number>();
  const kept: Kept[] = [];
  // Email keys and user codes claimed by rows without errors (only while planning).
  const claims: Claims = { email_key: new PackedStrings(), user_code: new PackedStrings() };
  for (let start = 0; start < rows.length; start += SLICE) {
    await breathe();
    const part = rows.slice(start, Math.min(rows.length, start + SLICE));
    const partKeys = part.map((r) => usernameKey(r.username));
    const stored = new Map<string, PersonRow>();
    for (const ks of chunks([...new Set(partKeys)].filter((k) => ctx.idByKey.has(k))))
      for (const p of await repo.findPeopleByUsernameKeys(db, ks)) stored.set(p.username_key, p);
    const ids = [...stored.values()].map((p) => p.id);
    const currentGroups = await memberships(db, 'group_members', ids, ctx.needGroups);
    const currentRoles = await memberships(db, 'role_members', ids, ctx.needRoles);
    for (let j = 0; j < part.length; j++) {
      const key = partKeys[j]!;
      const p = await planRow(
        s,
        ctx,
        db,
        part[j]!,
        key,
        stored.get(key),
        currentGroups,
        currentRoles,
      );
      if (p.newRow && ctx.createdKeys.has(key)) createdIndex.set(key, start + j);
      kept.push(keep(ctx, p));
      for (const column of ['email_key', 'user_code'] as const) {
        const value = p.newRow ? p.newRow[column] : p.update?.[column];
        claims[column].push(
          p.outcome.action !== 'error' && typeof value === 'string' ? value : undefined,
        );
      }
    }
  }
  await checkUniqueAndManagers(db, kept, createdIndex, claims);
  return { kept, ctx };
}

/** The part of a planned row kept until the batch ends. */
function keep(ctx: Context, p: Planned): Kept {
  const k: Kept = { outcome: p.outcome };
  if (p.newRow) k.creates = true;
  if (p.managerId !== undefined) k.managerId = p.managerId;
  if (p.managerPending !== undefined) k.managerPending = p.managerPending;
  // A row with errors stays refused: it claims nothing and writes nothing.
  if (p.outcome.action === 'error') return k;
  if (p.input.password !== undefined) k.password = true;
  const given = p.input.fields.profile;
  if (given)
    for (const d of ctx.userDefs) {
      const v = given[d.name];
      if (typeof v === 'number') (k.userRefs ??= []).push({ name: d.name, id: v });
    }
  if (p.existing && p.outcome.action === 'update') {
    const e = p.existing;
    k.existing = { id: e.id, version: e.version, username: e.username, manager_id: e.manager_id };
    k.update = p.update ?? {};
    if (p.groupIds) k.groupIds = p.groupIds;
    if (p.roleIds) k.roleIds = p.roleIds;
  }
  return k;
}

/** Group or role ids of stored people, sorted (none looked up when the batch sets none). */
async function memberships(
  db: repo.Executor,
  table: coll.MemberTable,
  personIds: number[],
  needed: boolean,
): Promise<Map<number, number[]>> {
  const m = new Map<number, number[]>();
  if (!needed) return m;
  for (const part of chunks(personIds)) {
    for (const r of await membershipPairs(db, table, part)) {
      const list = m.get(r.person_id) ?? [];
      list.push(r.item_id);
      m.set(r.person_id, list);
    }
  }
  for (const list of m.values()) list.sort((a, b) => a - b);
  return m;
}

/** Email and user-code uniqueness across the file and the database; manager references and loops. */
async function checkUniqueAndManagers(
  db: Executor,
  kept: Kept[],
  createdIndex: Map<string, number>,
  claimed: Claims,
): Promise<void> {
  const fail = (k: Kept, e: FieldError) => {
    k.outcome.action = 'error';
    delete k.outcome.changes;
    (k.outcome.errors ??= []).push(e);
  };
  await checkClaims(db, kept, claimed, fail);
  await checkUserFieldReferences(db, kept);
  await checkManagers(db, kept, createdIndex, fail);
}

/** Values of user-select profile fields must name people who exist. */
async function checkUserFieldReferences(db: Executor, kept: Kept[]): Promise<void> {
  const uses: { k: Kept; name: string; id: number }[] = [];
  for (const k of kept) {
    if (k.outcome.action === 'error' || !k.userRefs) continue;
    for (const u of k.userRefs) uses.push({ k, ...u });
  }
  if (uses.length === 0) return;
  const found = new Set<number>();
  for (const part of chunks([...new Set(uses.map((u) => u.id))]))
    for (const id of await repo.existingPersonIds(db, part)) found.add(id);
  for (const u of uses)
    if (!found.has(u.id)) {
      u.k.outcome.action = 'error';
      delete u.k.outcome.changes;
      (u.k.outcome.errors ??= []).push({
        field: `profile.${u.name}`,
        message: `No person has id ${u.id}.`,
      });
    }
}
