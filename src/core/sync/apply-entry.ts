/**
 * One directory entry applied through the core, in one transaction: the identity link, an
 * adoption, a new account, a rename, the mapped fields and the state commit together or not
 * at all. SCIM's writes and SSO's just-in-time sync go through here; a full LDAP run uses it
 * for every entry that is not a plain create (those go through the batch engine in bulk).
 */
import type { Store } from '../../store/database.ts';
import type { NewAuditEventRow, PersonRow } from '../../store/schema.ts';
import { findDirectory } from '../../store/directory-repo.ts';
import { identityRow, insertIdentity, personForIdentity } from '../../store/identity-repo.ts';
import {
  findPerson,
  findPersonByUsernameKey,
  peopleHoldingKeys,
  updatePersonIfVersion,
} from '../../store/people-repo.ts';
import { administratorsAmong, deleteLinksOfPerson, linkOfPerson } from '../../store/sync-repo.ts';
import { recordAudit, diff, type Changes } from '../../audit/record.ts';
import { type Actor, nowIso } from '../context.ts';
import { GatehouseError } from '../errors.ts';
import { usernameKey } from '../normalize.ts';
import { checkPersonFields, tidy, type PersonFields } from '../person.ts';
import { auditView } from '../audit-view.ts';
import type { PeopleService } from '../people.ts';
import { translateUnique } from '../uniqueness.ts';
import type { DirectoryRecord } from '../directories.ts';
import { matchEntry, type Match } from './match.ts';
import type { ApplyOptions, CreatedRows, EntryHooks } from './entry-hooks.ts';
import {
  directoryProvider,
  entryError,
  type DirectoryEntry,
  type EntryAction,
  type EntryOutcome,
} from './types.ts';

type Tx = Parameters<PeopleService['changeIn']>[0];

interface Pending {
  created?: CreatedRows;
}

/** Thrown to roll an entry back once its outcome is known: a dry run, or a refused entry. */
class RolledBack extends Error {
  constructor(readonly outcome: EntryOutcome) {
    super('rolled back');
  }
}

/** The sentence of a catalogue error, with the fields it names. */
export function errorOutcome(err: GatehouseError, personId: number | null): EntryOutcome {
  const detail = err.fields?.map((f) => `${f.field}: ${f.message}`).join(' ');
  return entryError(err.type, detail ? `${err.message} ${detail}` : err.message, personId);
}

/**
 * The person fields an entry sets (only the mapped ones), its username included, tidied as
 * they are stored: an empty mapped attribute clears an optional field to null (an empty
 * `user_code` kept as '' would collide with every other entry lacking the attribute).
 */
export function entryFields(
  entry: DirectoryEntry,
  managerId: number | null | undefined,
): PersonFields {
  const fields: PersonFields = { username: entry.username, ...entry.fields };
  if (Object.keys(entry.profile).length > 0) fields.profile = { ...entry.profile };
  if (managerId !== undefined) fields.manager_id = managerId;
  // As the other gates' writes store them: an entry without a mapped user code clears it
  // (null), it does not claim the empty code, which only one account could hold.
  return tidy(fields);
}

/** What an entry did to its account, from the rows before and after. */
export function actionOf(
  match: Match['kind'],
  before: PersonRow | undefined,
  after: PersonRow,
): EntryAction {
  if (!before) return 'created';
  if (match === 'adopt') return 'adopted';
  if (before.username !== after.username) return 'renamed';
  if (before.state === 'blocked' && after.state !== 'blocked') return 'reactivated';
  if (before.state !== 'blocked' && after.state === 'blocked') return 'blocked';
  return before.version === after.version && match !== 'relink' ? 'unchanged' : 'updated';
}

export class EntryWriter {
  constructor(
    private readonly store: Store,
    private readonly people: PeopleService,
  ) {}

  async apply(
    actorIn: Actor,
    directory: DirectoryRecord,
    entry: DirectoryEntry,
    opts: ApplyOptions = {},
  ): Promise<EntryOutcome> {
    const actor: Actor = { ...actorIn, directoryId: directory.id };
    return this.inTransaction(opts.hooks, (tx, pending) =>
      this.applyIn(tx, actor, directory, entry, opts, pending),
    );
  }

  /**
   * One transaction around an entry's work and the gate's hooks. A refused entry (an
   * outcome with action 'error') is rolled back, hooks' writes included; a catalogue error
   * thrown by either becomes the entry's error outcome.
   */
  private async inTransaction(
    hooks: EntryHooks | undefined,
    work: (tx: Tx, pending: Pending) => Promise<EntryOutcome>,
  ): Promise<EntryOutcome> {
    try {
      return await this.store.db.transaction().execute(async (tx) => {
        if (hooks?.before) await hooks.before(tx);
        const pending: Pending = {};
        const outcome = await work(tx, pending);
        if (outcome.action === 'error') throw new RolledBack(outcome);
        if (pending.created && hooks?.created) await hooks.created(tx, outcome, pending.created);
        else if (hooks?.after) await hooks.after(tx, outcome);
        return outcome;
      });
    } catch (err) {
      if (err instanceof RolledBack) return err.outcome;
      const e = translateUnique(this.store.caps, err);
      if (e instanceof GatehouseError) return errorOutcome(e, null);
      throw e;
    }
  }

  private async applyIn(
    tx: Tx,
    actor: Actor,
    directory: DirectoryRecord,
    entry: DirectoryEntry,
    opts: ApplyOptions,
    pending: Pending,
  ): Promise<EntryOutcome> {
    const provider = directoryProvider(directory.id);
    const at = nowIso();
    const linkedId = opts.newEntry
      ? undefined
      : await personForIdentity(tx, provider, entry.externalId);
    const linked = linkedId === undefined ? undefined : await findPerson(tx, linkedId);
    const managerId =
      opts.managerId !== undefined ? opts.managerId : await this.managerOf(tx, provider, entry);
    const state = entry.active ? 'active' : 'blocked';
    // A new entry (a SCIM create) is nearly always a new account: its row is prepared first,
    // so that one read finds both the username's holder (the match) and the holders of the
    // row's other unique keys (the create's check), instead of a read for each.
    const fresh = opts.newEntry
      ? await this.newRow(tx, directory, entry, managerId, state, provider)
      : undefined;
    const holders = fresh ? await peopleHoldingKeys(tx, fresh.row) : undefined;
    const key = usernameKey(entry.username);
    // The holders are ids and keys: the username's holder, when there is one, is read whole.
    const holder =
      fresh?.row.username_key === key ? holders?.find((p) => p.username_key === key) : undefined;
    const byUsername = linked
      ? undefined
      : holders && fresh?.row.username_key === key
        ? holder && (await findPerson(tx, holder.id))
        : await findPersonByUsernameKey(tx, key);
    const byUsernameLink = byUsername ? await linkOfPerson(tx, provider, byUsername.id) : undefined;
    const owner =
      byUsername?.directory_id != null && byUsername.directory_id !== directory.id
        ? await findDirectory(tx, byUsername.directory_id)
        : undefined;
    const match = matchEntry(
      {
        directoryId: directory.id,
        adoptLocal: directory.adopt_local_accounts,
        linked,
        byUsername,
        byUsernameLink,
        // Without the full list of entries (SCIM, one entry), a link is live unless the
        // directory blocked its account: a blocked one is an entry that went and came back.
        byUsernameLinkLive:
          byUsernameLink !== undefined &&
          (opts.liveLinks
            ? opts.liveLinks.has(byUsernameLink)
            : !(byUsername?.state === 'blocked' && byUsername.blocked_by === 'directory')),
        ownerName: owner?.name,
        holderIsAdministrator:
          byUsername !== undefined &&
          byUsername.directory_id === null &&
          (await administratorsAmong(tx, [byUsername.id])).has(byUsername.id),
      },
      entry.username,
    );
    if (match.kind === 'conflict')
      return entryError('username_taken', match.message, byUsername?.id ?? null);
    let outcome: EntryOutcome;
    if (match.kind === 'create') {
      const { row, errors } =
        fresh ?? (await this.newRow(tx, directory, entry, managerId, state, provider));
      if (errors.length > 0)
        return errorOutcome(new GatehouseError('validation_failed', undefined, errors), null);
      // The link and the audit event are left to the gate's `created` hook when it has one
      // (with the changes the event records, the outcome's too).
      let audit: NewAuditEventRow | undefined;
      let changes: Changes | undefined;
      const leave = opts.hooks?.created
        ? (a: NewAuditEventRow, c: Changes) => void ((audit = a), (changes = c))
        : undefined;
      const created = await this.people.insertIn(tx, actor, row, holders, leave);
      if (audit)
        pending.created = { link: identityRow(provider, entry.externalId, created.id, at), audit };
      else await insertIdentity(tx, provider, entry.externalId, created.id, at);
      outcome = {
        action: 'created',
        personId: created.id,
        changes: changes ?? diff(null, auditView(created)),
      };
    } else {
      const before = match.person;
      // The same field rules as every other gate's change, checked before anything is written
      // (an adoption or a relink commits with the fields or not at all).
      const fields = entryFields(entry, managerId);
      const invalid = checkPersonFields(fields, false);
      if (invalid.length > 0)
        return errorOutcome(new GatehouseError('validation_failed', undefined, invalid), before.id);
      let current = before;
      if (match.kind === 'adopt') current = await this.adopt(tx, actor, directory, current, at);
      if (match.kind === 'relink' || match.kind === 'adopt') {
        await deleteLinksOfPerson(tx, provider, current.id);
        await insertIdentity(tx, provider, entry.externalId, current.id, at);
        await recordAudit(tx, actor, {
          action: 'identity.link',
          targetType: 'person',
          targetId: current.id,
          targetLabel: current.username,
          changes: {
            identity: [
              match.kind === 'relink' && match.oldLink ? `${provider}:${match.oldLink}` : null,
              `${provider}:${entry.externalId}`,
            ],
          },
          at,
        });
      }
      const next = await this.people.changeIn(
        tx,
        actor,
        current.id,
        fields,
        {},
        'person.update',
        {},
        { to: state, reason: entry.active ? null : 'Disabled or removed in the directory.' },
      );
      const changes: Changes = diff(auditView(before), auditView(next));
      if (before.state !== next.state) changes.state = [before.state, next.state];
      outcome = { action: actionOf(match.kind, before, next), personId: next.id, changes };
    }
    if (opts.dryRun) throw new RolledBack(outcome);
    return outcome;
  }

  /** The new account's row for an entry, as the directory creates it (and its field errors). */
  private async newRow(
    tx: Tx,
    directory: DirectoryRecord,
    entry: DirectoryEntry,
    managerId: number | null | undefined,
    state: 'active' | 'blocked',
    provider: string,
  ) {
    const prepared = await this.people.prepareNew(
      {
        ...entryFields(entry, managerId ?? null),
        username: entry.username,
        firstname: entry.fields.firstname ?? '',
        surname: entry.fields.surname ?? '',
        email: entry.fields.email ?? '',
        state,
        directory_id: directory.id,
        password_authority: 'directory',
        origin_source: provider,
      },
      tx,
    );
    prepared.row.origin = directory.type;
    if (state === 'blocked') prepared.row.blocked_by = 'directory';
    return prepared;
  }

  /** The directory takes a local account: same id, history and origin; its password now the directory's. */
  private async adopt(
    tx: Tx,
    actor: Actor,
    directory: DirectoryRecord,
    person: PersonRow,
    at: string,
  ): Promise<PersonRow> {
    const next = await updatePersonIfVersion(tx, person.id, person.version, {
      directory_id: directory.id,
      password_authority: 'directory',
      password_hash: null,
      must_change_password: 0,
      updated_at: at,
    });
    if (!next)
      throw new GatehouseError(
        'precondition_failed',
        `The account "${person.username}" changed during the sync; run it again.`,
      );
    await recordAudit(tx, actor, {
      action: 'person.adopt',
      targetType: 'person',
      targetId: person.id,
      targetLabel: person.username,
      changes: {
        directory: [null, directory.name],
        password_authority: [person.password_authority, 'directory'],
      },
      at,
    });
    return next;
  }

  /** A manager named by stable id (SCIM); a DN is resolved only by a full run, which knows every entry. */
  private async managerOf(
    tx: Tx,
    provider: string,
    entry: DirectoryEntry,
  ): Promise<number | null | undefined> {
    if (entry.manager === undefined) return undefined;
    if (entry.manager === null) return null;
    if (entry.manager.kind === 'dn') return undefined;
    return personForIdentity(tx, provider, entry.manager.ref);
  }

  /** The entry is gone from the directory: its account is blocked, never deleted; its link stays. */
  async remove(
    actorIn: Actor,
    directory: DirectoryRecord,
    externalId: string,
    reason: string,
    hooks?: EntryHooks,
  ): Promise<EntryOutcome> {
    const actor: Actor = { ...actorIn, directoryId: directory.id };
    const provider = directoryProvider(directory.id);
    return this.inTransaction(hooks, async (tx): Promise<EntryOutcome> => {
      const id = await personForIdentity(tx, provider, externalId);
      if (id === undefined) return { action: 'unchanged', personId: null, changes: {} };
      const before = await findPerson(tx, id);
      if (!before) return { action: 'unchanged', personId: null, changes: {} };
      const next = await this.people.changeIn(
        tx,
        actor,
        id,
        {},
        {},
        'person.update',
        {},
        { to: 'blocked', reason },
      );
      return {
        action: before.state === next.state ? 'unchanged' : 'blocked',
        personId: id,
        changes: before.state === next.state ? {} : { state: [before.state, next.state] },
      };
    });
  }
}
