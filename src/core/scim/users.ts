/**
 * SCIM users of one directory: the resource as the IdP sent it (scim_users) beside the
 * account the core keeps for it (applyEntry / removeEntry). The account's rules — adopt,
 * relink a re-created user, 409 for another directory's account, block and lift only the
 * directory's block — are the core's; this adds the SCIM resource around them.
 *
 * A create first claims the userName in scim_users (a unique index), then asks the core
 * for the account: of 20 parallel creates of one userName, one gets the claim and the
 * account, the others 409 uniqueness.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/database.ts';
import * as repo from '../../store/scim-repo.ts';
import type { Actor } from '../context.ts';
import { nowIso } from '../context.ts';
import { GatehouseError, fail, type ErrorType } from '../errors.ts';
import { usernameKey } from '../normalize.ts';
import type { DirectorySyncService } from '../sync/service.ts';
import type { DirectoriesService } from '../directories.ts';
import type { EntryOutcome } from '../sync/types.ts';
import type { JsonObject } from '../../gates/scim/patch.ts';
import {
  DEFAULT_SCIM_MAPPING,
  entryOf,
  filterRows,
  storedResource,
  userNameOf,
} from './mapping.ts';

/** A create that claimed a userName and never finished (a crash) gives it back after this. */
const STALE_CLAIM_MS = 60_000;

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

export class ScimUsers {
  constructor(
    private readonly store: Store,
    private readonly sync: DirectorySyncService,
    private readonly directories: DirectoriesService,
  ) {}

  private async mappingOf(directoryId: number): Promise<Readonly<Record<string, string>>> {
    const d = await this.directories.get(directoryId);
    if (d.type !== 'scim')
      fail('directory_type_mismatch', 'This directory is not a SCIM directory.');
    return Object.keys(d.scim.mapping).length > 0 ? d.scim.mapping : DEFAULT_SCIM_MAPPING;
  }

  get(directoryId: number, scimId: string): Promise<repo.ScimUserRow> {
    return this.find(directoryId, scimId);
  }

  private async find(directoryId: number, scimId: string): Promise<repo.ScimUserRow> {
    const row = await repo.findScimUser(this.store.db, directoryId, scimId);
    if (!row) fail('not_found', `No user has id "${scimId}" in this directory.`);
    return row;
  }

  async create(actor: Actor, directoryId: number, resource: JsonObject): Promise<repo.ScimUserRow> {
    const mapping = await this.mappingOf(directoryId);
    const userName = userNameOf(resource);
    const key = usernameKey(userName);
    const scimId = randomUUID();
    const entry = entryOf(resource, scimId, mapping);
    const at = nowIso();
    await this.claim(directoryId, scimId, userName, key, at);
    let outcome: EntryOutcome;
    try {
      outcome = await this.sync.applyEntry(actor, directoryId, entry);
    } catch (err) {
      await repo.deleteScimUser(this.store.db, scimId);
      throw err;
    }
    if (outcome.action === 'error' || outcome.personId === null) {
      await repo.deleteScimUser(this.store.db, scimId);
      throw entryError(outcome);
    }
    await this.store.db
      .transaction()
      .execute((tx) =>
        repo.saveScimUser(
          tx,
          scimId,
          this.columns(resource, outcome.personId!, entry.active, at),
          filterRows(resource, scimId, directoryId),
        ),
      );
    return this.find(directoryId, scimId);
  }

  private async claim(
    directoryId: number,
    scimId: string,
    userName: string,
    key: string,
    at: string,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await repo.insertScimUser(this.store.db, {
          scim_id: scimId,
          directory_id: directoryId,
          person_id: null,
          user_name: userName,
          user_name_key: key,
          resource: '{}',
          active: 1,
          version: 1,
          created_at: at,
          updated_at: at,
        });
        return;
      } catch (err) {
        if (!this.store.caps.uniqueViolation(err)) throw err;
        const stale = new Date(Date.parse(at) - STALE_CLAIM_MS).toISOString();
        if (
          attempt === 0 &&
          (await repo.deleteStaleClaim(this.store.db, directoryId, key, stale)) > 0
        )
          continue;
        fail(
          'scim_uniqueness',
          `A user with userName "${userName}" already exists in this directory.`,
        );
      }
    }
  }

  private columns(resource: JsonObject, personId: number, active: boolean, at: string) {
    const stored = storedResource(resource);
    const display = typeof stored.displayName === 'string' ? stored.displayName : null;
    const name = stored.name;
    const formatted =
      typeof name === 'object' &&
      name !== null &&
      !Array.isArray(name) &&
      typeof name.formatted === 'string'
        ? name.formatted
        : null;
    const externalId = typeof stored.externalId === 'string' ? stored.externalId : null;
    const userName = userNameOf(resource);
    return {
      person_id: personId,
      user_name: userName,
      user_name_key: usernameKey(userName),
      external_id: externalId,
      display_name: display,
      display_name_key: display === null ? null : usernameKey(display),
      name_formatted: formatted,
      active: active ? 1 : 0,
      resource: JSON.stringify(stored),
      updated_at: at,
    };
  }

  /**
   * Replaces the resource (PUT, or the result of a PATCH). `version` is the version the
   * caller read (If-Match): a concurrent change in between is 412.
   */
  async replace(
    actor: Actor,
    directoryId: number,
    scimId: string,
    resource: JsonObject,
    version?: number,
  ): Promise<repo.ScimUserRow> {
    const mapping = await this.mappingOf(directoryId);
    const current = await this.find(directoryId, scimId);
    if (version !== undefined && version !== current.version) fail('precondition_failed');
    const userName = userNameOf(resource);
    const key = usernameKey(userName);
    if (key !== current.user_name_key) {
      const other = await repo.findScimUserByName(this.store.db, directoryId, key);
      if (other && other.scim_id !== scimId)
        fail(
          'scim_uniqueness',
          `A user with userName "${userName}" already exists in this directory.`,
        );
    }
    const entry = entryOf(resource, scimId, mapping);
    const outcome = await this.sync.applyEntry(actor, directoryId, entry);
    if (outcome.action === 'error' || outcome.personId === null) throw entryError(outcome);
    const at = nowIso();
    await this.store.db.transaction().execute((tx) =>
      repo.saveScimUser(
        tx,
        scimId,
        {
          ...this.columns(resource, outcome.personId!, entry.active, at),
          version: current.version + 1,
        },
        filterRows(resource, scimId, directoryId),
      ),
    );
    return this.find(directoryId, scimId);
  }

  /** DELETE: the account is blocked (never deleted) and the SCIM resource is gone. */
  async delete(actor: Actor, directoryId: number, scimId: string, version?: number): Promise<void> {
    const current = await this.find(directoryId, scimId);
    if (version !== undefined && version !== current.version) fail('precondition_failed');
    const outcome = await this.sync.removeEntry(actor, directoryId, scimId);
    if (outcome.action === 'error') throw entryError(outcome);
    await this.store.db.transaction().execute((tx) => repo.deleteScimUser(tx, scimId));
  }
}
