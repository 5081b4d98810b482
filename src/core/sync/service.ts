/**
 * The core's directory sync, as every directory gate calls it: one entry at a time (SCIM,
 * SSO's just-in-time sync) or a whole run (LDAP, `runs.ts`).
 */
import type { Store } from '../../store/database.ts';
import { personForIdentity } from '../../store/identity-repo.ts';
import type { Actor } from '../context.ts';
import type { DirectoriesService, DirectoryRecord } from '../directories.ts';
import type { PeopleService } from '../people.ts';
import { EntryWriter } from './apply-entry.ts';
import type { EntryHooks } from './entry-hooks.ts';
import { directoryProvider, type DirectoryEntry, type EntryOutcome } from './types.ts';

export class DirectorySyncService {
  readonly writer: EntryWriter;

  constructor(
    private readonly store: Store,
    people: PeopleService,
    private readonly directories: DirectoriesService,
  ) {
    this.writer = new EntryWriter(store, people);
  }

  /** One entry with every rule, in one transaction; a dry run answers what it would do. */
  async applyEntry(
    actor: Actor,
    directoryId: number,
    entry: DirectoryEntry,
    opts: { dryRun?: boolean; hooks?: EntryHooks } = {},
  ): Promise<EntryOutcome> {
    return this.applyEntryTo(actor, await this.directories.get(directoryId), entry, opts);
  }

  /** applyEntry for a gate that has just read the directory (SCIM: one read per request). */
  applyEntryTo(
    actor: Actor,
    directory: DirectoryRecord,
    entry: DirectoryEntry,
    opts: { dryRun?: boolean; newEntry?: boolean; hooks?: EntryHooks } = {},
  ): Promise<EntryOutcome> {
    return this.writer.apply(actor, directory, entry, opts);
  }

  /** The entry is gone: its account is blocked by the directory (never deleted). */
  async removeEntry(
    actor: Actor,
    directoryId: number,
    externalId: string,
    hooks?: EntryHooks,
  ): Promise<EntryOutcome> {
    const directory = await this.directories.get(directoryId);
    return this.writer.remove(actor, directory, externalId, 'Removed from the directory.', hooks);
  }

  personFor(directoryId: number, externalId: string): Promise<number | undefined> {
    return personForIdentity(this.store.db, directoryProvider(directoryId), externalId);
  }
}
