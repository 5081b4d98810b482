/**
 * SCIM users of one directory: the resource as the IdP sent it (scim_users) beside the
 * account the core keeps for it (applyEntry / removeEntry). The account's rules — adopt,
 * relink a re-created user, 409 for another directory's account, block and lift only the
 * directory's block — are the core's; this adds the SCIM resource around them.
 *
 * Every write is one transaction through the core (EntryHooks): the resource row commits
 * with the account or not at all.
 * - A create writes its row last, with the account (and, for a new account, the account's
 *   identity link: one statement on PostgreSQL). A userName is its account's username, so
 *   the core refuses one the directory has (its account is linked to the live resource) and
 *   people's unique username index refuses a second new account. Of 20 parallel creates of
 *   one userName, one makes the account; the others are refused by the unique indexes or,
 *   when they were adopting or relinking the same account, meet its change as a version
 *   conflict, read again and find the account taken: 409 uniqueness (CREATE_ATTEMPTS).
 *   (Claiming the userName with a row first, then giving it its account, wrote the row
 *   twice: one statement more, and on PostgreSQL an UPDATE of an indexed column, which
 *   writes a new entry in each of the row's six indexes; bench/scim.bench.ts.)
 * - A replace, patch or delete first takes the resource's next version inside it, with
 *   If-Match only while the version is still the one sent: of two writes with one ETag,
 *   one wins and the other is 412.
 */
import type { Store } from '../../store/database.ts';
import type { Executor } from '../../store/people-repo.ts';
import * as repo from '../../store/scim-repo.ts';
import { ScimFilterCompiler } from '../../store/scim-filter-sql.ts';
import type { Actor } from '../context.ts';
import { nowIso } from '../context.ts';
import { GatehouseError, fail, type ErrorType } from '../errors.ts';
import { usernameKey } from '../normalize.ts';
import type { DirectorySyncService } from '../sync/service.ts';
import type { DirectoriesService } from '../directories.ts';
import type { EntryOutcome } from '../sync/types.ts';
import type { CreatedRows } from '../sync/entry-hooks.ts';
import { retryingConflicts } from '../retry.ts';
import { newScimUserId } from './ids.ts';
import type { FilterNode } from '../../gates/scim/filter/parse.ts';
import type { JsonObject } from '../../gates/scim/patch.ts';
import {
  DEFAULT_SCIM_MAPPING,
  entryOf,
  filterRows,
  storedResource,
  userNameOf,
} from './mapping.ts';

/**
 * A PATCH without If-Match that meets a concurrent change reads again, at most this many
 * times. Of the PATCHes racing on one version one always lands, so this covers ten at once
 * on one user (an IdP sends one user's changes one after the other).
 */
const PATCH_ATTEMPTS = 10;

/**
 * Creates of one userName run in parallel without a lock: one makes (or adopts, or relinks)
 * the account, and the unique indexes on people and scim_users refuse the others (409). One
 * that was adopting or relinking the same account meets the winner's change as a version
 * conflict and reads again, finding the account taken (409). A lock taken first would cost a
 * round trip on PostgreSQL in every create (bench/scim.bench.ts, session 8).
 */
const CREATE_ATTEMPTS = 3;

const UNIQUENESS = new Set([
  'username_taken',
  'email_taken',
  'user_code_taken',
  'external_identity_taken',
  'name_taken',
]);

/** The core's refusal of an entry, as the error the SCIM client gets. */
export function entryError(outcome: EntryOutcome): GatehouseError {
  const type = outcome.error?.type ?? 'internal';
  const message = outcome.error?.message;
  if (UNIQUENESS.has(type)) return new GatehouseError('scim_uniqueness', message);
  if (type === 'validation_failed') return new GatehouseError('scim_invalid_value', message);
  return new GatehouseError(type as ErrorType, message);
}

function nameTaken(userName: string): GatehouseError {
  return new GatehouseError(
    'scim_uniqueness',
    `A user with userName "${userName}" already exists in this directory.`,
  );
}

/**
 * A user as a create or replace wrote it: the row and the resource its JSON holds, so the
 * answer is made from the object instead of parsing the JSON just written.
 */
export interface WrittenScimUser {
  row: repo.ScimUserRow;
  stored: JsonObject;
}

/** The resource's own columns, as the IdP sent it: what a create or replace writes. */
function resourceColumns(resource: JsonObject, stored: JsonObject, active: boolean, at: string) {
  const display = typeof stored.displayName === 'string' ? stored.displayName : null;
  const name = stored.name;
  const formatted =
    typeof name === 'object' &&
    name !== null &&
    !Array.isArray(name) &&
    typeof name.formatted === 'string'
      ? name.formatted
      : null;
  const userName = userNameOf(resource);
  return {
    user_name: userName,
    user_name_key: usernameKey(userName),
    external_id: typeof stored.externalId === 'string' ? stored.externalId : null,
    display_name: display,
    display_name_key: display === null ? null : usernameKey(display),
    name_formatted: formatted,
    active: active ? 1 : 0,
    resource: JSON.stringify(stored),
    updated_at: at,
  };
}

export class ScimUsers {
  constructor(
    private readonly store: Store,
    private readonly sync: DirectorySyncService,
    private readonly directories: DirectoriesService,
  ) {}

  /** The directory (kept a few seconds: every write reads it) and its users' mapping. */
  private async directoryOf(directoryId: number) {
    const directory = await this.directories.getRecent(directoryId);
    if (directory.type !== 'scim')
      fail('directory_type_mismatch', 'This directory is not a SCIM directory.');
    const m = directory.scim.mapping;
    return { directory, mapping: Object.keys(m).length > 0 ? m : DEFAULT_SCIM_MAPPING };
  }

  async get(directoryId: number, scimId: string): Promise<repo.ScimUserRow> {
    const row = await repo.findScimResource(this.store.db, 'User', directoryId, scimId);
    if (!row) fail('not_found', `No user has id "${scimId}" in this directory.`);
    return row;
  }

  /** A page of the directory's users matching a filter (compiled to SQL), and their number. */
  async list(
    directoryId: number,
    filter: FilterNode | undefined,
    offset: number,
    limit: number,
  ): Promise<{ rows: repo.ScimUserRow[]; total: number }> {
    // `userName eq "…"`, sent by Okta and Entra before every create: at most one user (a
    // unique index), read by one compiled query instead of a filtered page and its count.
    if (
      filter?.kind === 'compare' &&
      filter.op === 'eq' &&
      filter.attr.path === 'userName' &&
      typeof filter.value === 'string'
    ) {
      const key = usernameKey(filter.value);
      const row = await repo.findScimUserByUserName(this.store.db, directoryId, key);
      return { rows: row && offset === 0 && limit > 0 ? [row] : [], total: row ? 1 : 0 };
    }
    const cond = filter
      ? new ScimFilterCompiler(this.store.caps, 'User', directoryId).compile(filter)
      : undefined;
    return repo.listScimResources(this.store.db, 'User', directoryId, cond, offset, limit);
  }

  async create(actor: Actor, directoryId: number, resource: JsonObject): Promise<WrittenScimUser> {
    // A parallel create of this userName changed the account this one was adopting or
    // relinking (412 inside): read again, and find the account the other made (409).
    return retryingConflicts(CREATE_ATTEMPTS, () => this.createOnce(actor, directoryId, resource));
  }

  private async createOnce(
    actor: Actor,
    directoryId: number,
    resource: JsonObject,
  ): Promise<WrittenScimUser> {
    const { directory, mapping } = await this.directoryOf(directoryId);
    const scimId = newScimUserId();
    const entry = entryOf(resource, scimId, mapping);
    const at = nowIso();
    const stored = storedResource(resource);
    const columns = resourceColumns(resource, stored, entry.active, at);
    const row: repo.ScimUserRow = {
      scim_id: scimId,
      directory_id: directoryId,
      person_id: null,
      created_at: at,
      version: 1,
      ...columns,
    };
    const write = async (tx: Executor, o: EntryOutcome, created?: CreatedRows) => {
      if (o.personId === null) throw entryError(o);
      row.person_id = o.personId;
      const values = filterRows(resource, scimId, directoryId);
      await this.unique(columns.user_name, () =>
        repo.insertScimUser(tx, this.store.caps, row, values, created),
      );
    };
    const outcome = await this.sync.applyEntryTo(actor, directory, entry, {
      newEntry: true,
      hooks: { after: (tx, o) => write(tx, o), created: write },
    });
    if (outcome.action === 'error' || row.person_id === null)
      throw await this.createError(directoryId, columns, outcome);
    return { row, stored };
  }

  /**
   * A refused create. The core refuses a username held by another entry of the directory;
   * when that entry is this userName's resource, the answer names the userName, as the
   * unique index's refusal does.
   */
  private async createError(
    directoryId: number,
    columns: { user_name: string; user_name_key: string },
    outcome: EntryOutcome,
  ): Promise<GatehouseError> {
    if (
      outcome.error?.type === 'username_taken' &&
      (await repo.findScimUserByUserName(this.store.db, directoryId, columns.user_name_key))
    )
      return nameTaken(columns.user_name);
    return entryError(outcome);
  }

  /** Runs a write to scim_users, answering a taken userName as 409 uniqueness. */
  private async unique(userName: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (this.store.caps.uniqueViolation(err)) throw nameTaken(userName);
      throw err;
    }
  }

  /**
   * In the write's transaction, before anything else: the resource's next version, only
   * while it still has `ifVersion` (If-Match). Another write that got there first is 412.
   */
  private async nextVersion(
    tx: Executor,
    directoryId: number,
    scimId: string,
    ifVersion: number | undefined,
    at: string,
  ): Promise<{ version: number; created_at: string }> {
    const next = await repo.nextScimVersion(tx, 'User', directoryId, scimId, ifVersion, at);
    if (next) return next;
    if (await repo.findScimResource(tx, 'User', directoryId, scimId)) fail('precondition_failed');
    fail('not_found', `No user has id "${scimId}" in this directory.`);
  }

  /** Replaces the resource (PUT). `ifVersion` is the version the caller read (If-Match). */
  async replace(
    actor: Actor,
    directoryId: number,
    scimId: string,
    resource: JsonObject,
    ifVersion?: number,
  ): Promise<WrittenScimUser> {
    const { directory, mapping } = await this.directoryOf(directoryId);
    const entry = entryOf(resource, scimId, mapping);
    const at = nowIso();
    const stored = storedResource(resource);
    const columns = resourceColumns(resource, stored, entry.active, at);
    let row: repo.ScimUserRow | undefined;
    const outcome = await this.sync.applyEntryTo(actor, directory, entry, {
      hooks: {
        before: async (tx) => {
          const next = await this.nextVersion(tx, directoryId, scimId, ifVersion, at);
          row = {
            scim_id: scimId,
            directory_id: directoryId,
            person_id: null,
            ...next,
            ...columns,
          };
        },
        after: async (tx, o) => {
          if (o.personId === null || !row) throw entryError(o);
          row.person_id = o.personId;
          const values = filterRows(resource, scimId, directoryId);
          const { scim_id: _id, directory_id: _d, created_at: _c, version: _v, ...set } = row;
          await this.unique(columns.user_name, () =>
            repo.saveScimUser(tx, this.store.caps, directoryId, scimId, set, values),
          );
        },
      },
    });
    if (outcome.action === 'error' || !row || row.person_id === null) throw entryError(outcome);
    return { row, stored };
  }

  /**
   * PATCH: `change` turns the resource as stored into the next one. With If-Match, a change
   * in between is 412; without, the patch is applied again to what is stored now (two
   * PATCHes at once both land, as a client that sent no ETag expects).
   */
  async patch(
    actor: Actor,
    directoryId: number,
    scimId: string,
    change: (resource: JsonObject) => JsonObject,
    ifVersion?: number,
  ): Promise<WrittenScimUser> {
    // With the client's ETag a conflict is the client's to resolve; without one, read again.
    return retryingConflicts(ifVersion === undefined ? PATCH_ATTEMPTS : 1, async () => {
      const current = await this.get(directoryId, scimId);
      const next = change({
        ...(JSON.parse(current.resource) as JsonObject),
        userName: current.user_name,
        active: current.active === 1,
      });
      return this.replace(actor, directoryId, scimId, next, ifVersion ?? current.version);
    });
  }

  /** DELETE: the account is blocked (never deleted) and the SCIM resource is gone. */
  async delete(
    actor: Actor,
    directoryId: number,
    scimId: string,
    ifVersion?: number,
  ): Promise<void> {
    const at = nowIso();
    const outcome = await this.sync.removeEntry(actor, directoryId, scimId, {
      before: async (tx) => {
        await this.nextVersion(tx, directoryId, scimId, ifVersion, at);
      },
      after: (tx) => repo.deleteScimUser(tx, directoryId, scimId),
    });
    if (outcome.action === 'error') throw entryError(outcome);
  }
}
