/**
 * SCIM groups of one directory: a Gatehouse group owned by the directory (name =
 * displayName) plus its SCIM resource row (scim_groups), written in one transaction.
 * Members are named by their SCIM user ids; changes go to the core as additions and
 * removals (DirectoryGroups), never as a rewrite of the whole list. A change or delete
 * takes the group's next version first in its transaction (with If-Match, only while it is
 * still the one sent: of two writes with one ETag, the second is 412).
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/database.ts';
import type { Executor } from '../../store/people-repo.ts';
import * as repo from '../../store/scim-repo.ts';
import { ScimFilterCompiler } from '../../store/scim-filter-sql.ts';
import type { FilterNode } from '../../gates/scim/filter/parse.ts';
import type { Actor } from '../context.ts';
import { nowIso } from '../context.ts';
import { GatehouseError, fail } from '../errors.ts';
import { usernameKey } from '../normalize.ts';
import type { DirectoryGroups } from '../sync/groups.ts';

export interface GroupChange {
  displayName?: string;
  externalId?: string | null;
  /** Member SCIM ids: the whole list (PUT, replace), or additions and removals. */
  set?: string[];
  add?: string[];
  remove?: string[];
}

function nameError(err: unknown, name: string): unknown {
  if (err instanceof GatehouseError && err.type === 'name_taken')
    return new GatehouseError(
      'scim_uniqueness',
      `A group named "${name}" already exists in Gatehouse (group names are unique). Rename one of them.`,
    );
  return err;
}

export class ScimGroups {
  constructor(
    private readonly store: Store,
    private readonly groups: DirectoryGroups,
  ) {}

  async get(directoryId: number, scimId: string): Promise<repo.ScimGroupRow> {
    const row = await repo.findScimResource(this.store.db, 'Group', directoryId, scimId);
    if (!row) fail('not_found', `No group has id "${scimId}" in this directory.`);
    return row;
  }

  /** A page of the directory's groups matching a filter (compiled to SQL), and their number. */
  list(directoryId: number, filter: FilterNode | undefined, offset: number, limit: number) {
    const cond = filter
      ? new ScimFilterCompiler(this.store.caps, 'Group', directoryId).compile(filter)
      : undefined;
    return repo.listScimResources(this.store.db, 'Group', directoryId, cond, offset, limit);
  }

  /** First in a write's transaction: the next version, only while If-Match still holds. */
  private async nextVersion(
    tx: Executor,
    directoryId: number,
    scimId: string,
    ifVersion: number | undefined,
    at: string,
  ): Promise<void> {
    const next = await repo.nextScimVersion(tx, 'Group', directoryId, scimId, ifVersion, at);
    if (next) return;
    if (await repo.findScimResource(tx, 'Group', directoryId, scimId)) fail('precondition_failed');
    fail('not_found', `No group has id "${scimId}" in this directory.`);
  }

  /** Person ids of the named SCIM users; an id this directory does not have is 400 invalidValue. */
  private async people(directoryId: number, scimIds: string[] | undefined): Promise<number[]> {
    if (!scimIds || scimIds.length === 0) return [];
    const unique = [...new Set(scimIds)];
    const found = await repo.personIdsOf(this.store.db, directoryId, unique);
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length > 0)
      fail(
        'scim_invalid_value',
        `No user of this directory has id ${missing
          .slice(0, 5)
          .map((m) => `"${m}"`)
          .join(
            ', ',
          )}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''}; create the users before adding them to a group.`,
      );
    return unique.map((id) => found.get(id)!);
  }

  async create(
    actor: Actor,
    directoryId: number,
    displayName: string,
    externalId: string | null,
    members: string[],
  ): Promise<repo.ScimGroupRow> {
    const personIds = await this.people(directoryId, members);
    const scimId = randomUUID();
    const at = nowIso();
    try {
      await this.groups.create(actor, directoryId, displayName, personIds, (tx, groupId) =>
        repo.insertScimGroup(tx, {
          scim_id: scimId,
          directory_id: directoryId,
          group_id: groupId,
          external_id: externalId,
          display_name: displayName.trim(),
          display_name_key: usernameKey(displayName),
          created_at: at,
          updated_at: at,
          version: 1,
        }),
      );
    } catch (err) {
      throw nameError(err, displayName);
    }
    return this.get(directoryId, scimId);
  }

  /** Applies a change; `ifVersion` (If-Match) must still be the group's version. */
  async change(
    actor: Actor,
    directoryId: number,
    scimId: string,
    change: GroupChange,
    ifVersion?: number,
  ): Promise<repo.ScimGroupRow> {
    const current = await this.get(directoryId, scimId);
    const [set, add, remove] = await Promise.all([
      change.set ? this.people(directoryId, change.set) : Promise.resolve(undefined),
      this.people(directoryId, change.add),
      // Removing someone who is not (or no longer) a user of the directory is nothing to do.
      change.remove
        ? repo.personIdsOf(this.store.db, directoryId, change.remove).then((m) => [...m.values()])
        : Promise.resolve([]),
    ]);
    const at = nowIso();
    const name = change.displayName;
    try {
      await this.groups.change(
        actor,
        directoryId,
        current.group_id,
        { ...(name !== undefined ? { name } : {}), ...(set ? { set } : { add, remove }) },
        async (tx) => {
          await this.nextVersion(tx, directoryId, scimId, ifVersion, at);
          if (name !== undefined || change.externalId !== undefined)
            await repo.updateScimGroup(tx, scimId, {
              ...(name !== undefined
                ? { display_name: name.trim(), display_name_key: usernameKey(name) }
                : {}),
              ...(change.externalId !== undefined ? { external_id: change.externalId } : {}),
            });
        },
      );
    } catch (err) {
      throw nameError(err, name ?? '');
    }
    return this.get(directoryId, scimId);
  }

  async delete(
    actor: Actor,
    directoryId: number,
    scimId: string,
    ifVersion?: number,
  ): Promise<void> {
    const current = await this.get(directoryId, scimId);
    const at = nowIso();
    await this.groups.delete(actor, directoryId, current.group_id, (tx) =>
      this.nextVersion(tx, directoryId, scimId, ifVersion, at),
    );
  }

  members(directoryId: number, groupId: number) {
    return repo.scimMembersOf(this.store.db, directoryId, groupId);
  }
}
