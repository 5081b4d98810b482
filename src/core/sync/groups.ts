/**
 * Groups owned by a directory (groups.directory_id): made, renamed, given and relieved of
 * members, and removed by that directory only. Every other gate is refused with
 * field_owned_by_directory (CollectionService.assertWritable), so the directory stays the
 * one source. Membership changes are additions and removals in batches — a 10,000-member
 * group is never rewritten whole — and two changes at once both land (inserts that
 * already exist do nothing; each change is its own transaction).
 */
import type { Store } from '../../store/database.ts';
import type { Executor } from '../../store/people-repo.ts';
import * as repo from '../../store/collection-repo.ts';
import { recordAudit } from '../../audit/record.ts';
import { type Actor, nowIso } from '../context.ts';
import { GatehouseError, fail } from '../errors.ts';
import { nameKey } from '../normalize.ts';
import { withUniqueErrors } from '../uniqueness.ts';

type InTx = (tx: Executor, groupId: number) => Promise<void>;

function checkName(name: string): string {
  const n = name.trim();
  if (n === '' || n.length > 200 || n.includes(','))
    throw new GatehouseError('validation_failed', undefined, [
      { field: 'name', message: 'Required, at most 200 characters, no commas.' },
    ]);
  return n;
}

export class DirectoryGroups {
  constructor(private readonly store: Store) {}

  private async owned(
    tx: Executor,
    directoryId: number,
    groupId: number,
  ): Promise<repo.CollectionRow> {
    const g = await repo.findCollectionItem(tx, 'groups', groupId);
    if (!g) fail('not_found', `No group has id ${groupId}.`);
    if (g.directory_id !== directoryId)
      fail('field_owned_by_directory', 'This group is not owned by this directory.');
    return g;
  }

  /** A new group owned by the directory, with its first members; `inTx` runs in the same transaction. */
  async create(
    actor: Actor,
    directoryId: number,
    name: string,
    personIds: number[],
    inTx?: InTx,
  ): Promise<number> {
    const n = checkName(name);
    const at = nowIso();
    return withUniqueErrors(this.store.caps, () =>
      this.store.db.transaction().execute(async (tx) => {
        const g = await repo.insertCollectionItem(tx, 'groups', {
          name: n,
          name_key: nameKey(n),
          description: '',
          parent_id: null,
          directory_id: directoryId,
          created_at: at,
          updated_at: at,
        });
        const added = await repo.addMembers(tx, 'group_members', g.id, [...new Set(personIds)]);
        await recordAudit(
          tx,
          { ...actor, directoryId },
          {
            action: 'group.create',
            targetType: 'group',
            targetId: g.id,
            targetLabel: n,
            changes: { name: [null, n], directory_id: [null, directoryId], added: [null, added] },
            at,
          },
        );
        if (inTx) await inTx(tx, g.id);
        return g.id;
      }),
    );
  }

  /**
   * Renames the group and adds and removes members (ids of people), in one transaction;
   * answers what this call really changed. `before` runs first in that transaction (a
   * gate's version check: what it throws changes nothing).
   */
  async change(
    actor: Actor,
    directoryId: number,
    groupId: number,
    change: { name?: string; add?: number[]; remove?: number[]; set?: number[] },
    before?: (tx: Executor) => Promise<void>,
  ): Promise<{ added: number[]; removed: number[] }> {
    const name = change.name === undefined ? undefined : checkName(change.name);
    return withUniqueErrors(this.store.caps, () =>
      this.store.db.transaction().execute(async (tx) => {
        if (before) await before(tx);
        const g = await this.owned(tx, directoryId, groupId);
        const at = nowIso();
        if (name !== undefined && g.name !== name) {
          await repo.updateCollectionItem(tx, 'groups', groupId, {
            name,
            name_key: nameKey(name),
            updated_at: at,
          });
          await recordAudit(
            tx,
            { ...actor, directoryId },
            {
              action: 'group.update',
              targetType: 'group',
              targetId: groupId,
              targetLabel: name,
              changes: { name: [g.name, name] },
              at,
            },
          );
        }
        let add = [...new Set(change.add ?? [])];
        let remove = [...new Set(change.remove ?? [])];
        if (change.set) {
          // A whole list (PUT): the difference with the members now, written as changes.
          const wanted = new Set(change.set);
          const current = new Set(await repo.memberIds(tx, 'group_members', groupId));
          add = [...wanted].filter((p) => !current.has(p));
          remove = [...current].filter((p) => !wanted.has(p));
        }
        const removed = await repo.removeMembers(tx, 'group_members', groupId, remove);
        const added = await repo.addMembers(tx, 'group_members', groupId, add);
        if (added.length + removed.length > 0) {
          await repo.updateCollectionItem(tx, 'groups', groupId, { updated_at: at });
          await recordAudit(
            tx,
            { ...actor, directoryId },
            {
              action: 'group.change_members',
              targetType: 'group',
              targetId: groupId,
              targetLabel: name ?? g.name,
              changes: { added: [null, added], removed: [removed, null] },
              at,
            },
          );
        }
        return { added, removed };
      }),
    );
  }

  /**
   * Puts the group inside another group of the same directory (LDAP nesting), or at the top
   * level. A parent that would make a loop is refused with group_cycle.
   */
  async setParent(
    actor: Actor,
    directoryId: number,
    groupId: number,
    parentId: number | null,
  ): Promise<void> {
    await this.store.db.transaction().execute(async (tx) => {
      const g = await this.owned(tx, directoryId, groupId);
      if ((g.parent_id ?? null) === parentId) return;
      if (parentId !== null) {
        await this.owned(tx, directoryId, parentId);
        let cursor: number | null = parentId;
        for (let depth = 0; cursor !== null && depth < 1000; depth++) {
          if (cursor === groupId) fail('group_cycle');
          cursor = await repo.parentOf(tx, cursor);
        }
      }
      const at = nowIso();
      await repo.updateCollectionItem(tx, 'groups', groupId, {
        parent_id: parentId,
        updated_at: at,
      });
      await recordAudit(
        tx,
        { ...actor, directoryId },
        {
          action: 'group.update',
          targetType: 'group',
          targetId: groupId,
          targetLabel: g.name,
          changes: { parent_id: [g.parent_id ?? null, parentId] },
          at,
        },
      );
    });
  }

  /** The directory removed the group: it goes (memberships with it); people stay. */
  async delete(
    actor: Actor,
    directoryId: number,
    groupId: number,
    before?: (tx: Executor) => Promise<void>,
  ): Promise<void> {
    await this.store.db.transaction().execute(async (tx) => {
      if (before) await before(tx);
      const g = await this.owned(tx, directoryId, groupId);
      const members = await repo.memberIds(tx, 'group_members', groupId);
      await repo.deleteCollectionItem(tx, 'groups', groupId);
      await recordAudit(
        tx,
        { ...actor, directoryId },
        {
          action: 'group.delete',
          targetType: 'group',
          targetId: groupId,
          targetLabel: g.name,
          changes: { name: [g.name, null], members: [members, []] },
          at: nowIso(),
        },
      );
    });
  }
}
