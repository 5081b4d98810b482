/**
 * Groups (nested), roles (each with an extranet area) and extranet areas: named items that
 * people belong to. One service, configured per kind, so their rules cannot drift apart.
 */
import type { Store } from '../store/database.ts';
import * as repo from '../store/collection-repo.ts';
import {
  existingPersonIds,
  updatePersonIfVersion,
  findPerson,
  type Executor,
} from '../store/people-repo.ts';
import { recordAudit, diff } from '../audit/record.ts';
import { type Actor, nowIso } from './context.ts';
import { GatehouseError, fail, type FieldError } from './errors.ts';
import { nameKey } from './normalize.ts';
import { withUniqueErrors } from './uniqueness.ts';
import { forbiddenOwnedFields, ownedFieldsError } from './ownership.ts';
import { findDirectory } from '../store/directory-repo.ts';

export type CollectionKind = 'group' | 'role' | 'extranet';

export interface CollectionItem {
  id: number;
  name: string;
  description: string;
  parent_id?: number | null;
  extranet_id?: number | null;
  directory_id?: number | null;
  created_at: string;
  updated_at: string;
}

export interface CollectionInput {
  name?: string;
  description?: string;
  parent_id?: number | null;
  extranet_id?: number | null;
}

const TABLES: Record<
  CollectionKind,
  { table: repo.CollectionTable; members: repo.MemberTable | null; label: string }
> = {
  group: { table: 'groups', members: 'group_members', label: 'group' },
  role: { table: 'roles', members: 'role_members', label: 'role' },
  extranet: { table: 'extranets', members: null, label: 'extranet area' },
};

function toItem(kind: CollectionKind, r: repo.CollectionRow): CollectionItem {
  const item: CollectionItem = {
    id: r.id,
    name: r.name,
    description: r.description,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
  if (kind === 'group') {
    item.parent_id = r.parent_id ?? null;
    item.directory_id = r.directory_id ?? null;
  }
  if (kind === 'role') item.extranet_id = r.extranet_id ?? null;
  return item;
}

export class CollectionService {
  private readonly t: (typeof TABLES)[CollectionKind];
  constructor(
    private readonly store: Store,
    readonly kind: CollectionKind,
  ) {
    this.t = TABLES[kind];
  }

  async list(
    offset: number,
    limit: number,
    q?: string,
  ): Promise<{ data: CollectionItem[]; total: number }> {
    const { rows, total } = await repo.listCollection(
      this.store.db,
      this.t.table,
      offset,
      limit,
      q,
    );
    return { data: rows.map((r) => toItem(this.kind, r)), total };
  }

  async get(id: number): Promise<CollectionItem> {
    const r = await repo.findCollectionItem(this.store.db, this.t.table, id);
    if (!r) fail('not_found', `No ${this.t.label} has id ${id}.`);
    return toItem(this.kind, r);
  }

  /** Finds items by name (case-insensitive); returns them keyed by name key. */
  async byNames(names: string[]): Promise<Map<string, CollectionItem>> {
    const rows = await repo.findCollectionByNameKeys(this.store.db, this.t.table, [
      ...new Set(names.map(nameKey)),
    ]);
    return new Map(rows.map((r) => [r.name_key, toItem(this.kind, r)]));
  }

  private check(input: CollectionInput, creating: boolean): FieldError[] {
    const errors: FieldError[] = [];
    if (creating || input.name !== undefined) {
      const name = input.name?.trim() ?? '';
      if (name === '' || name.length > 200)
        errors.push({ field: 'name', message: 'Required, at most 200 characters.' });
      if (name.includes(','))
        errors.push({
          field: 'name',
          message: 'Must not contain commas (CSV files list names with them).',
        });
    }
    if (input.description !== undefined && input.description.length > 2000)
      errors.push({ field: 'description', message: 'At most 2,000 characters.' });
    if (this.kind !== 'group' && input.parent_id !== undefined)
      errors.push({ field: 'parent_id', message: `Only groups have a parent.` });
    if (this.kind !== 'role' && input.extranet_id !== undefined)
      errors.push({ field: 'extranet_id', message: `Only roles have an extranet area.` });
    return errors;
  }

  private async checkRefs(
    db: Executor,
    input: CollectionInput,
    selfId: number | null,
  ): Promise<void> {
    if (input.parent_id !== undefined && input.parent_id !== null) {
      if (!(await repo.findCollectionItem(db, 'groups', input.parent_id))) {
        throw new GatehouseError('validation_failed', undefined, [
          { field: 'parent_id', message: `No group has id ${input.parent_id}.` },
        ]);
      }
      let cursor: number | null = input.parent_id;
      for (let depth = 0; cursor !== null && depth < 1000; depth++) {
        if (cursor === selfId) fail('group_cycle');
        cursor = await repo.parentOf(db, cursor);
      }
    }
    if (input.extranet_id !== undefined && input.extranet_id !== null) {
      if (!(await repo.findCollectionItem(db, 'extranets', input.extranet_id))) {
        throw new GatehouseError('validation_failed', undefined, [
          { field: 'extranet_id', message: `No extranet area has id ${input.extranet_id}.` },
        ]);
      }
    }
  }

  async create(
    actor: Actor,
    input: CollectionInput,
    directoryId: number | null = null,
  ): Promise<CollectionItem> {
    const errors = this.check(input, true);
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
    const at = nowIso();
    const name = input.name!.trim();
    const row = await withUniqueErrors(this.store.caps, () =>
      this.store.db.transaction().execute(async (tx) => {
        await this.checkRefs(tx, input, null);
        const r = await repo.insertCollectionItem(tx, this.t.table, {
          name,
          name_key: nameKey(name),
          description: input.description ?? '',
          ...(this.kind === 'group'
            ? { parent_id: input.parent_id ?? null, directory_id: directoryId }
            : {}),
          ...(this.kind === 'role' ? { extranet_id: input.extranet_id ?? null } : {}),
          created_at: at,
          updated_at: at,
        });
        await recordAudit(tx, actor, {
          action: `${this.kind}.create`,
          targetType: this.kind,
          targetId: r.id,
          targetLabel: r.name,
          changes: diff(null, { ...toItem(this.kind, r) }),
          at,
        });
        return r;
      }),
    );
    return toItem(this.kind, row);
  }

  private assertWritable(item: repo.CollectionRow, actor: Actor): void {
    if (item.directory_id != null && actor.directoryId !== item.directory_id) {
      fail(
        'field_owned_by_directory',
        `This ${this.t.label} is synced from a directory; change it there.`,
        { details: { fields: ['name', 'members'] } },
      );
    }
  }

  async update(actor: Actor, id: number, input: CollectionInput): Promise<CollectionItem> {
    const errors = this.check(input, false);
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
    const row = await withUniqueErrors(this.store.caps, () =>
      this.store.db.transaction().execute(async (tx) => {
        const before = await repo.findCollectionItem(tx, this.t.table, id);
        if (!before) fail('not_found', `No ${this.t.label} has id ${id}.`);
        this.assertWritable(before, actor);
        await this.checkRefs(tx, input, id);
        const at = nowIso();
        const values: Partial<repo.CollectionRow> = { updated_at: at };
        if (input.name !== undefined)
          Object.assign(values, { name: input.name.trim(), name_key: nameKey(input.name) });
        if (input.description !== undefined) values.description = input.description;
        if (input.parent_id !== undefined) values.parent_id = input.parent_id;
        if (input.extranet_id !== undefined) values.extranet_id = input.extranet_id;
        const r = await repo.updateCollectionItem(tx, this.t.table, id, values);
        await recordAudit(tx, actor, {
          action: `${this.kind}.update`,
          targetType: this.kind,
          targetId: id,
          targetLabel: r.name,
          changes: diff({ ...toItem(this.kind, before) }, { ...toItem(this.kind, r) }),
          at,
        });
        return r;
      }),
    );
    return toItem(this.kind, row);
  }

  /** Deletes an item. Memberships go with it; an extranet area still used by people or roles is refused. */
  async delete(actor: Actor, id: number): Promise<void> {
    await this.store.db.transaction().execute(async (tx) => {
      const before = await repo.findCollectionItem(tx, this.t.table, id);
      if (!before) fail('not_found', `No ${this.t.label} has id ${id}.`);
      this.assertWritable(before, actor);
      if (this.kind === 'extranet') {
        const uses = await repo.countReferences(tx, 'extranet_id', id);
        if (uses > 0)
          fail(
            'in_use',
            `This extranet area is used by ${uses} people or roles. Move them to another area first.`,
          );
      }
      const members = this.t.members ? await repo.memberIds(tx, this.t.members, id) : [];
      await repo.deleteCollectionItem(tx, this.t.table, id);
      await recordAudit(tx, actor, {
        action: `${this.kind}.delete`,
        targetType: this.kind,
        targetId: id,
        targetLabel: before.name,
        changes: { ...diff({ ...toItem(this.kind, before) }, {}), members: [members, []] },
        at: nowIso(),
      });
    });
  }

  /** Member ids; `listedOnly` leaves out blocked people (for readers who are not administrators). */
  async members(id: number, listedOnly = false): Promise<number[]> {
    await this.get(id);
    if (this.t.members) return repo.memberIds(this.store.db, this.t.members, id, listedOnly);
    return repo.peopleInExtranet(this.store.db, id, listedOnly);
  }

  /** Makes exactly `personIds` the members; returns them. */
  async setMembers(actor: Actor, id: number, personIds: number[]): Promise<number[]> {
    const wanted = [...new Set(personIds)];
    await this.changeMembers(actor, id, 'set_members', wanted, (current) => ({
      add: wanted.filter((p) => !current.includes(p)),
      remove: current.filter((p) => !wanted.includes(p)),
    }));
    return wanted.sort((a, b) => a - b);
  }

  /**
   * Adds or removes one person, leaving the other members as they are: two administrators
   * adding different people at the same time both succeed (a read-modify-write of the whole
   * list would lose one). Adding a member or removing a non-member changes nothing.
   */
  async setMember(actor: Actor, id: number, personId: number, member: boolean): Promise<void> {
    await this.changeMembers(
      actor,
      id,
      member ? 'add_member' : 'remove_member',
      [personId],
      (current) => {
        const has = current.includes(personId);
        return {
          add: member && !has ? [personId] : [],
          remove: !member && has ? [personId] : [],
        };
      },
    );
  }

  /** One membership change in one transaction: checks, writes and an audit event. */
  private async changeMembers(
    actor: Actor,
    id: number,
    action: 'set_members' | 'add_member' | 'remove_member',
    named: number[],
    plan: (current: number[]) => { add: number[]; remove: number[] },
  ): Promise<void> {
    await this.store.db.transaction().execute(async (tx) => {
      const item = await repo.findCollectionItem(tx, this.t.table, id);
      if (!item) fail('not_found', `No ${this.t.label} has id ${id}.`);
      this.assertWritable(item, actor);
      const found = await existingPersonIds(tx, named);
      const missing = named.filter((p) => !found.has(p));
      if (missing.length > 0)
        throw new GatehouseError(
          'validation_failed',
          `No person has id ${missing.slice(0, 10).join(', ')}.`,
          [{ field: 'ids', message: `Unknown person ids: ${missing.slice(0, 10).join(', ')}.` }],
        );
      const current = this.t.members
        ? await repo.memberIds(tx, this.t.members, id)
        : await repo.peopleInExtranet(tx, id);
      let { add, remove } = plan(current);
      if (this.t.members) {
        // What this transaction really changed, if another changed the same member meanwhile.
        add = await repo.addMembers(tx, this.t.members, id, add);
        remove = await repo.removeMembers(tx, this.t.members, id, remove);
      } else {
        const at = nowIso();
        for (const [pid, extranet] of [
          ...add.map((p) => [p, id] as const),
          ...remove.map((p) => [p, null] as const),
        ]) {
          const person = await findPerson(tx, pid);
          // A person's extranet area may belong to the directory that syncs them.
          if (person?.directory_id != null) {
            const dir = await findDirectory(tx, person.directory_id);
            const mapping = dir ? (JSON.parse(dir.owned_fields) as string[]) : [];
            const bad = forbiddenOwnedFields(person, mapping, ['extranet_id'], actor);
            if (bad.length > 0) throw ownedFieldsError(bad, dir?.name ?? `#${person.directory_id}`);
          }
          if (person)
            await updatePersonIfVersion(tx, pid, person.version, {
              extranet_id: extranet,
              updated_at: at,
            });
        }
      }
      if (add.length + remove.length > 0) {
        await recordAudit(tx, actor, {
          action: `${this.kind}.${action}`,
          targetType: this.kind,
          targetId: id,
          targetLabel: item.name,
          changes: { added: [null, add], removed: [remove, null] },
          at: nowIso(),
        });
      }
    });
  }

  /** The groups or roles of a person. */
  async ofPerson(personId: number): Promise<CollectionItem[]> {
    if (!this.t.members) return [];
    return (await repo.itemsOfPerson(this.store.db, this.t.members, personId)).map((r) =>
      toItem(this.kind, r),
    );
  }
}
