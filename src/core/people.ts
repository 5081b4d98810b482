/**
 * Commands on people. Every write runs in one transaction with its audit event, and
 * enforces uniqueness, directory ownership, state rules and optimistic concurrency.
 */
import type { Transaction } from 'kysely';
import type { Store } from '../store/database.ts';
import type {
  DB,
  NewAuditEventRow,
  NewPersonRow,
  PersonRow,
  PersonRowUpdate,
} from '../store/schema.ts';
import * as repo from '../store/people-repo.ts';
import { deleteSessionsOf } from '../store/auth-repo.ts';
import { auditRow, recordAudit, diff, type Changes } from '../audit/record.ts';
import { insertAuditRow } from '../store/audit-repo.ts';
import type { Argon2Params } from '../auth/passwords.ts';
import { type Actor, nowIso } from './context.ts';
import { GatehouseError, fail, type FieldError } from './errors.ts';
import { usernameKey } from './normalize.ts';
import {
  addDerivedColumns,
  checkPersonFields,
  tidy,
  toPerson,
  type NewPerson,
  type Person,
  type PersonFields,
} from './person.ts';
import { auditView } from './audit-view.ts';
import { assertNotOwned, checkReferences, personRow, shownPersonRow } from './person-checks.ts';
import { personPhoto, setPersonPhoto } from './person-photo.ts';
import { setSubordinates, subordinatesOf } from './org-chart.ts';
import { deletePerson } from './person-delete.ts';
import { passwordChange } from './person-password.ts';
import { prepareNewPerson } from './person-prepare.ts';
import { unfreezePerson } from './person-unfreeze.ts';
import { stateTransition, type StateTarget } from './state.ts';
import { takenError, withUniqueErrors } from './uniqueness.ts';
import type { SettingsService } from './settings.ts';
import type { ProfileFieldsService } from './profile-fields.ts';

/** The fields a list of people can be sorted by (the People API's `sort`). */
export const PEOPLE_SORT_FIELDS = repo.SORTABLE;

export interface PeopleOptions {
  emailUnique: boolean;
  argon2: Argon2Params;
}

type Tx = Transaction<DB>;

export class PeopleService {
  constructor(
    private readonly store: Store,
    private readonly opts: PeopleOptions,
    private readonly settings: SettingsService,
    private readonly profileFields: ProfileFieldsService,
  ) {}

  /** Read with the shown columns only (toPerson needs no others). */
  async get(id: number): Promise<Person> {
    return toPerson(await shownPersonRow(this.store.db, id));
  }

  async row(id: number, db: repo.Executor = this.store.db): Promise<PersonRow> {
    return personRow(db, id);
  }

  async findByUsername(username: string): Promise<Person | undefined> {
    const row = await repo.findPersonByUsernameKey(this.store.db, usernameKey(username));
    return row ? toPerson(row) : undefined;
  }

  async list(
    filter: repo.PeopleFilter,
    page: repo.PageRequest,
  ): Promise<{ data: Person[]; total: number }> {
    const { rows, total } = await repo.listPeople(this.store.db, filter, page, this.store.caps);
    return { data: rows.map(toPerson), total };
  }

  /**
   * A new person's row and what is wrong with it. `db` is the transaction a caller already
   * holds (a directory's entry): reads go through it, since on SQLite a read on the store's
   * one connection would wait for that very transaction to end.
   */
  async prepareNew(
    input: NewPerson,
    db: repo.Executor = this.store.db,
  ): Promise<{ row: NewPersonRow; errors: FieldError[] }> {
    return prepareNewPerson(this.settings, this.profileFields, this.opts, input, db);
  }

  async create(actor: Actor, input: NewPerson): Promise<Person> {
    const { row, errors } = await this.prepareNew(input);
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
    row.origin = actor.gate === 'system' ? 'system' : actor.gate;
    row.origin_source ??= actor.apiKeyId !== undefined ? `api_key:${actor.apiKeyId}` : null;
    const created = await withUniqueErrors(this.store.caps, () =>
      this.store.db.transaction().execute((tx) => this.insertIn(tx, actor, row)),
    );
    return toPerson(created);
  }

  /**
   * Inserts a prepared row inside a transaction the caller holds, with its checks and audit.
   * `holders`: the people holding any of the row's unique keys, if the caller has just read
   * them in this transaction (repo.peopleHoldingKeys), so the check needs no read of its own.
   * `leaveAudit`: takes the audit row instead, which the caller then writes in the same
   * transaction (with its own rows: one statement on PostgreSQL; sync/apply-entry.ts), and
   * the changes it records, which the caller need not work out again (the row's whole audit
   * view: a SCIM create computed it twice).
   */
  async insertIn(
    tx: Tx,
    actor: Actor,
    row: NewPersonRow,
    holders?: readonly repo.KeyHolder[],
    leaveAudit?: (audit: NewAuditEventRow, changes: Changes) => void,
  ): Promise<PersonRow> {
    const taken = holders
      ? repo.conflictsAmong(row, holders)
      : await repo.uniqueConflicts(tx, row, null);
    if (taken.length > 0) throw takenError(taken);
    await checkReferences(tx, row.manager_id ?? null, row.extranet_id ?? null, null);
    await this.profileFields.checkUserReferences(
      tx,
      JSON.parse(row.profile ?? '{}') as Record<string, unknown>,
    );
    const inserted = await repo.insertPerson(tx, row);
    const changes = diff(null, auditView(inserted));
    const audit = auditRow(actor, {
      action: 'person.create',
      targetType: 'person',
      targetId: inserted.id,
      targetLabel: inserted.username,
      changes,
      at: inserted.created_at,
    });
    if (leaveAudit) leaveAudit(audit, changes);
    else await insertAuditRow(tx, audit);
    return inserted;
  }

  async update(
    actor: Actor,
    id: number,
    patchIn: PersonFields & { state?: StateTarget },
    opts: { ifVersion?: number | undefined } = {},
  ): Promise<Person> {
    const patch = tidy(patchIn);
    const errors = checkPersonFields(patch, false);
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
    const { state, ...fields } = patch;
    return toPerson(
      await this.applyChanges(
        actor,
        id,
        fields,
        opts,
        'person.update',
        {},
        state && { to: state, reason: null },
      ),
    );
  }

  private async applyChanges(
    actor: Actor,
    id: number,
    fields: PersonFields,
    opts: { ifVersion?: number | undefined },
    action: string,
    extra: PersonRowUpdate = {},
    state?: { to: StateTarget; reason: string | null },
  ): Promise<PersonRow> {
    return withUniqueErrors(this.store.caps, () =>
      this.store.db
        .transaction()
        .execute((tx) => this.changeIn(tx, actor, id, fields, opts, action, extra, state)),
    );
  }

  /**
   * applyChanges inside a transaction the caller holds (so several changes commit together:
   * a directory sync's adoption, link and update of one entry).
   */
  async changeIn(
    tx: Tx,
    actor: Actor,
    id: number,
    fieldsIn: PersonFields,
    opts: { ifVersion?: number | undefined },
    action: string,
    extra: PersonRowUpdate = {},
    state?: { to: StateTarget; reason: string | null },
  ): Promise<PersonRow> {
    // Every gate's change comes through here (a directory's entry too, which no schema
    // tidied): stored as a create stores it, so an emptied user code is none, not '' (two
    // '' would collide on the unique index, and '' would show as a code that is set).
    const fields = tidy(fieldsIn);
    const current = await this.row(id, tx);
    if (opts.ifVersion !== undefined && opts.ifVersion !== current.version)
      fail('precondition_failed');
    const update: PersonRowUpdate = { ...extra };
    const touched: string[] = [];
    const errors: FieldError[] = [];
    for (const [k, v] of Object.entries(fields) as [string, unknown][]) {
      if (k === 'profile') continue;
      if (v === undefined) continue;
      const cur = (current as unknown as Record<string, unknown>)[k];
      const val = k === 'must_change_password' ? (v ? 1 : 0) : v;
      if (cur !== val) {
        (update as Record<string, unknown>)[k] = val;
        touched.push(k);
      }
    }
    let profile = JSON.parse(current.profile) as Record<string, unknown>;
    if (fields.profile !== undefined) {
      const next = await this.profileFields.validate(fields.profile, profile, errors, tx);
      for (const name of Object.keys(fields.profile)) {
        if (JSON.stringify(profile[name] ?? null) !== JSON.stringify(next[name] ?? null))
          touched.push(`profile.${name}`);
      }
      profile = next;
      update.profile = JSON.stringify(next);
      await this.profileFields.checkUserReferences(tx, fields.profile);
    }
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
    const extraTouched = Object.keys(extra).includes('password_hash') ? ['password'] : [];
    const transition = state ? stateTransition(current, state.to, actor, state.reason) : null;
    if (transition?.kind === 'owned') extraTouched.push('state');
    await assertNotOwned(tx, current, [...touched, ...extraTouched], actor);
    if (transition?.kind === 'change') Object.assign(update, transition.update);
    if (touched.length === 0 && Object.keys(update).length === 0) return current;
    if ('manager_id' in update || 'extranet_id' in update) {
      await checkReferences(
        tx,
        'manager_id' in update ? (update.manager_id ?? null) : null,
        'extranet_id' in update ? (update.extranet_id ?? null) : null,
        id,
      );
    }
    addDerivedColumns(update, current, this.opts.emailUnique);
    const taken = await repo.uniqueConflicts(tx, update, id);
    if (taken.length > 0) throw takenError(taken);
    update.updated_at = nowIso();
    const next = await repo.updatePersonIfVersion(tx, id, current.version, update);
    if (!next) fail('precondition_failed');
    // A blocked account's sessions end in the same transaction as the block.
    if (transition?.kind === 'change' && transition.to === 'blocked') {
      await deleteSessionsOf(tx, id);
    }
    const changes = diff(auditView(current), auditView(next));
    if (transition?.kind === 'change') changes.state = [transition.from, transition.to];
    // A new hash looks like the old one in auditView ("[set]"); say that the password changed.
    if (extra.password_hash !== undefined)
      changes.password = [current.password_hash === null ? null : '[set]', '[set]'];
    await recordAudit(tx, actor, {
      action:
        transition?.kind === 'change' && touched.length === 0
          ? `person.${transition.to === 'blocked' ? 'block' : 'unblock'}`
          : action,
      targetType: 'person',
      targetId: id,
      targetLabel: next.username,
      changes,
      at: update.updated_at,
    });
    return next;
  }

  async setManager(
    actor: Actor,
    id: number,
    managerId: number | null,
    opts: { ifVersion?: number } = {},
  ): Promise<Person> {
    return toPerson(
      await this.applyChanges(actor, id, { manager_id: managerId }, opts, 'person.set_manager'),
    );
  }

  /** Makes exactly `ids` the direct reports of `managerId`, all or nothing (org-chart.ts). */
  setSubordinates(actor: Actor, managerId: number, ids: number[]): Promise<number[]> {
    return setSubordinates(this.store, managerId, ids, (tx, sid, to) =>
      this.changeIn(tx, actor, sid, { manager_id: to }, {}, 'person.set_manager'),
    );
  }

  async subordinates(id: number): Promise<Person[]> {
    await this.row(id);
    return subordinatesOf(this.store, id);
  }

  /** Blocks an account; its sessions end at once and its API keys stop working (they check the state). */
  async block(
    actor: Actor,
    id: number,
    reason: string | null,
    opts: { ifVersion?: number | undefined } = {},
  ): Promise<Person> {
    return toPerson(
      await this.applyChanges(actor, id, {}, opts, 'person.block', {}, { to: 'blocked', reason }),
    );
  }

  /** Unblocks an account, under the rules of core/state.ts. */
  async unblock(
    actor: Actor,
    id: number,
    opts: { ifVersion?: number | undefined } = {},
  ): Promise<Person> {
    return toPerson(
      await this.applyChanges(
        actor,
        id,
        {},
        opts,
        'person.unblock',
        {},
        { to: 'active', reason: null },
      ),
    );
  }

  async unfreeze(actor: Actor, id: number): Promise<Person> {
    return toPerson(await unfreezePerson(this.store, actor, id));
  }

  /** Sets a local password (checked against the policy), optionally forcing a change at next sign-in. */
  async setPassword(
    actor: Actor,
    id: number,
    password: string,
    opts: { mustChange?: boolean; ifVersion?: number } = {},
  ): Promise<Person> {
    const current = await this.row(id);
    const columns = await passwordChange(
      this.store.db,
      this.settings,
      this.opts.argon2,
      actor,
      current,
      password,
      opts.mustChange === true,
    );
    return toPerson(await this.applyChanges(actor, id, {}, opts, 'person.set_password', columns));
  }

  /** Deletes a local account (person-delete.ts says what goes with it). */
  async delete(
    actor: Actor,
    id: number,
    opts: { ifVersion?: number | undefined } = {},
  ): Promise<void> {
    await deletePerson(this.store, actor, id, opts);
  }

  setPhoto(actor: Actor, id: number, contentType: string, data: Buffer): Promise<Person> {
    return setPersonPhoto(this.store, actor, id, contentType, data);
  }

  photo(id: number): Promise<{ contentType: string; data: Buffer } | undefined> {
    return personPhoto(this.store, id);
  }
}
