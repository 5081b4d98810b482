/**
 * Bulk add/update of people keyed by username: the engine behind CSV imports and directory
 * syncs. `plan` says per row what would happen (create, update with field changes,
 * unchanged, error) without writing; `apply` writes every planned change in one transaction,
 * so a file is applied whole or not at all.
 */
import type { Store } from '../store/database.ts';
import type { NewPersonRow, PersonRow, PersonRowUpdate } from '../store/schema.ts';
import * as repo from '../store/people-repo.ts';
import * as coll from '../store/collection-repo.ts';
import { listDirectories } from '../store/directory-repo.ts';
import { namesOf } from '../store/export-repo.ts';
import { auditRow, diff, type Changes } from '../audit/record.ts';
import { hashPassword, isSupportedHash } from '../auth/passwords.ts';
import { type Actor, nowIso } from './context.ts';
import { GatehouseError, type FieldError } from './errors.ts';
import { emailKey, nameKey, searchText, usernameKey } from './normalize.ts';
import { checkPersonFields, tidy, TEXT_FIELDS, type PersonFields } from './person.ts';
import { forbiddenOwnedFields } from './ownership.ts';
import { stateTransition } from './state.ts';
import { passwordProblem } from './password-policy.ts';
import type { SettingsService } from './settings.ts';
import type { ProfileFieldsService } from './profile-fields.ts';
import type { PeopleOptions } from './people.ts';
import { auditView } from './people.ts';
import { translateUnique } from './uniqueness.ts';

export interface BatchRow {
  /** Row number in the source (for reports), e.g. the CSV line. */
  row: number;
  username: string;
  fields: Omit<PersonFields, 'username' | 'manager_id' | 'extranet_id'>;
  /** Manager by id or username; null clears; undefined leaves as is. */
  manager?: { id: number } | { username: string } | null;
  /** Extranet area by name; null = primary area; undefined leaves as is. */
  extranet?: string | null;
  groups?: string[];
  roles?: string[];
  state?: 'active' | 'blocked';
  password?: string;
  password_hash?: string;
  /** Errors the gate found while reading the row (bad format of a cell). */
  readErrors?: FieldError[];
}

export type RowAction = 'create' | 'update' | 'unchanged' | 'error';

export interface RowOutcome {
  row: number;
  username: string;
  action: RowAction;
  person_id: number | null;
  changes?: Changes;
  errors?: FieldError[];
}

export interface BatchSummary {
  rows: number;
  create: number;
  update: number;
  unchanged: number;
  error: number;
}

export interface BatchResult {
  applied: boolean;
  summary: BatchSummary;
  outcomes: RowOutcome[];
}

interface Planned {
  input: BatchRow;
  outcome: RowOutcome;
  existing?: PersonRow;
  newRow?: NewPersonRow;
  update?: PersonRowUpdate;
  /** Manager by id, resolved while planning (null clears). */
  managerId?: number | null;
  /** Username key of a manager created by this same batch: its id is known only when written. */
  managerPending?: string;
  groupIds?: number[];
  roleIds?: number[];
}

const CHUNK = 500;

function ownedStateError(directory: string | undefined): FieldError {
  return {
    field: 'state',
    message: `Blocked by the directory "${directory ?? '?'}"; only that directory can unblock this account.`,
  };
}

function chunks<T>(xs: T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export class PeopleBatch {
  constructor(
    private readonly store: Store,
    private readonly opts: PeopleOptions,
    private readonly settings: SettingsService,
    private readonly profileFields: ProfileFieldsService,
  ) {}

  async plan(actor: Actor, rows: BatchRow[]): Promise<BatchResult> {
    const planned = await this.planRows(actor, rows);
    return { applied: false, ...this.report(planned) };
  }

  /**
   * Applies a batch. With errors in any row nothing is written unless `validOnly` is set,
   * in which case the valid rows are applied and the others reported.
   */
  async apply(
    actor: Actor,
    rows: BatchRow[],
    options: {
      validOnly?: boolean;
      origin?: string | null;
      /** After each password hashed; a returned promise is awaited (before the transaction). */
      onProgress?: (done: number, total: number) => void | Promise<void>;
      /** Called inside the transaction, before the first write (for progress displays). */
      onWrite?: (changes: number) => void;
    } = {},
  ): Promise<BatchResult> {
    const planned = await this.planRows(actor, rows);
    const report = this.report(planned);
    if (report.summary.error > 0 && !options.validOnly) return { applied: false, ...report };
    let work = planned.filter(
      (p) => p.outcome.action === 'create' || p.outcome.action === 'update',
    );
    await this.hashPasswords(work, options.onProgress);
    try {
      await this.store.db.transaction().execute(async (tx) => {
        options.onWrite?.(work.length);
        await this.write(tx, actor, work, options.origin ?? null);
      });
    } catch (err) {
      const e = translateUnique(this.store.caps, err);
      if (e instanceof GatehouseError)
        throw new GatehouseError(
          e.type,
          `${e.message} Another change took this value while the import ran; nothing was applied. Run the import again.`,
          e.fields,
        );
      throw e;
    }
    work = [];
    return { applied: true, ...report };
  }

  private report(planned: Planned[]): Omit<BatchResult, 'applied'> {
    const summary: BatchSummary = {
      rows: planned.length,
      create: 0,
      update: 0,
      unchanged: 0,
      error: 0,
    };
    for (const p of planned) summary[p.outcome.action]++;
    return { summary, outcomes: planned.map((p) => p.outcome) };
  }

  private async hashPasswords(
    work: Planned[],
    onProgress?: (done: number, total: number) => void | Promise<void>,
  ): Promise<void> {
    const todo = work.filter((p) => p.input.password !== undefined);
    let next = 0;
    let done = 0;
    // @node-rs/argon2 hashes on libuv's thread pool, one hash per thread: keep it full.
    const lanes = Math.max(2, Number(process.env.UV_THREADPOOL_SIZE ?? 4));
    await Promise.all(
      Array.from({ length: Math.min(lanes, todo.length) }, async () => {
        while (next < todo.length) {
          const p = todo[next++]!;
          const hash = await hashPassword(p.input.password!, this.opts.argon2);
          const at = nowIso();
          if (p.newRow) Object.assign(p.newRow, { password_hash: hash, password_changed_at: at });
          else if (p.update)
            Object.assign(p.update, { password_hash: hash, password_changed_at: at });
          await onProgress?.(++done, todo.length);
        }
      }),
    );
  }

  private async planRows(actor: Actor, rows: BatchRow[]): Promise<Planned[]> {
    const db = this.store.db;
    const [defs, directories, policy] = await Promise.all([
      this.profileFields.list(),
      listDirectories(db),
      this.settings.passwordPolicy(),
    ]);
    const mappings = new Map(
      directories.map((d) => [
        d.id,
        { name: d.name, fields: JSON.parse(d.owned_fields) as string[] },
      ]),
    );

    // Existing people, groups, roles, extranets referenced by the batch.
    const keys = rows.map((r) => usernameKey(r.username));
    const existing = new Map<string, PersonRow>();
    for (const part of chunks([...new Set(keys)].filter((k) => k !== ''))) {
      for (const p of await repo.findPeopleByUsernameKeys(db, part))
        existing.set(p.username_key, p);
    }
    const named = async (table: coll.CollectionTable, names: string[]) => {
      const m = new Map<string, number>();
      for (const part of chunks([...new Set(names.map(nameKey))]))
        for (const r of await coll.findCollectionByNameKeys(db, table, part))
          m.set(r.name_key, r.id);
      return m;
    };
    const groups = await named(
      'groups',
      rows.flatMap((r) => r.groups ?? []),
    );
    const roles = await named(
      'roles',
      rows.flatMap((r) => r.roles ?? []),
    );
    const extranets = await named(
      'extranets',
      rows.flatMap((r) => (r.extranet ? [r.extranet] : [])),
    );
    const currentGroups = await this.memberships(
      'group_members',
      [...existing.values()].map((p) => p.id),
      rows.some((r) => r.groups),
    );
    const currentRoles = await this.memberships(
      'role_members',
      [...existing.values()].map((p) => p.id),
      rows.some((r) => r.roles),
    );

    // Managers named by username: existing people, or people this batch creates.
    const idByKey = new Map([...existing.values()].map((p) => [p.username_key, p.id]));
    const managerKeys = [
      ...new Set(
        rows.flatMap((r) =>
          r.manager && 'username' in r.manager ? [usernameKey(r.manager.username)] : [],
        ),
      ),
    ].filter((k) => !idByKey.has(k));
    for (const part of chunks(managerKeys))
      for (const r of await repo.findPeopleByUsernameKeys(db, part))
        idByKey.set(r.username_key, r.id);
    const createdKeys = new Set(keys.filter((k) => k !== '' && !existing.has(k)));
    const groupNames = rows.some((r) => r.groups)
      ? await namesOf(db, 'groups')
      : new Map<number, string>();
    const roleNames = rows.some((r) => r.roles)
      ? await namesOf(db, 'roles')
      : new Map<number, string>();
    const namesFor = (ids: number[], m: Map<number, string>) =>
      ids.map((id) => m.get(id) ?? `#${id}`).sort((a, b) => a.localeCompare(b));
    // A username twice in one file is ambiguous: both rows are refused.
    const firstRow = new Map<string, number>();
    const repeated = new Map<string, number[]>();
    rows.forEach((r, i) => {
      const k = keys[i]!;
      if (k === '') return;
      const list = repeated.get(k);
      if (list) list.push(r.row);
      else if (firstRow.has(k)) repeated.set(k, [firstRow.get(k)!, r.row]);
      else firstRow.set(k, r.row);
    });
    const planned: Planned[] = [];
    const at = nowIso();
    for (let i = 0; i < rows.length; i++) {
      const input = rows[i]!;
      const key = keys[i]!;
      const errors: FieldError[] = [...(input.readErrors ?? [])];
      const fields = tidy({ ...input.fields, username: input.username });
      const current = existing.get(key);
      errors.push(...checkPersonFields(fields, current === undefined));
      const others = repeated.get(key)?.filter((n) => n !== input.row);
      if (others)
        errors.push({
          field: 'username',
          message: `This username is also on row ${others.join(', ')}; each person may appear once, so neither row is applied.`,
        });
      let managerId: number | null | undefined;
      let managerPending: string | undefined;
      if (input.manager === null) managerId = null;
      else if (input.manager && 'id' in input.manager) managerId = input.manager.id;
      else if (input.manager) {
        const k = usernameKey(input.manager.username);
        if (k === key)
          errors.push({ field: 'manager', message: 'A person cannot be their own manager.' });
        else if (idByKey.has(k)) managerId = idByKey.get(k)!;
        else if (createdKeys.has(k)) managerPending = k;
        else
          errors.push({
            field: 'manager',
            message: `No person has username "${input.manager.username}".`,
          });
      }
      if (current && managerId === current.id)
        errors.push({ field: 'manager', message: 'A person cannot be their own manager.' });

      const profile = await this.profileFields.validate(
        fields.profile ?? {},
        current ? (JSON.parse(current.profile) as Record<string, unknown>) : {},
        errors,
        db,
        defs,
      );
      let extranetId: number | null | undefined;
      if (input.extranet !== undefined) {
        extranetId = input.extranet === null ? null : extranets.get(nameKey(input.extranet));
        if (extranetId === undefined)
          errors.push({
            field: 'extranet',
            message: `There is no extranet area "${input.extranet}".`,
          });
      }
      const idsOf = (
        names: string[] | undefined,
        m: Map<string, number>,
        field: string,
        what: string,
      ) => {
        if (names === undefined) return undefined;
        const unknown = names.filter((n) => !m.has(nameKey(n)));
        if (unknown.length > 0)
          errors.push({
            field,
            message: `Unknown ${what}: ${unknown.join(', ')}. Create them first.`,
          });
        return [
          ...new Set(
            names.map((n) => m.get(nameKey(n))).filter((x): x is number => x !== undefined),
          ),
        ].sort((a, b) => a - b);
      };
      const groupIds = idsOf(input.groups, groups, 'groups', 'groups');
      const roleIds = idsOf(input.roles, roles, 'roles', 'roles');
      if (input.password !== undefined && input.password_hash !== undefined)
        errors.push({
          field: 'password',
          message: 'Give either a password or a password hash, not both.',
        });
      if (input.password !== undefined) {
        const problem = passwordProblem(policy, input.password, input.username);
        if (problem) errors.push({ field: 'password', message: problem });
        if (current && current.password_authority !== 'local')
          errors.push({
            field: 'password',
            message: 'This account has no local password: its password is managed elsewhere.',
          });
      }
      if (input.password_hash !== undefined && !isSupportedHash(input.password_hash))
        errors.push({ field: 'password_hash', message: 'Must be an argon2 or bcrypt hash.' });

      const p: Planned = {
        input,
        outcome: {
          row: input.row,
          username: fields.username ?? input.username,
          action: 'error',
          person_id: current?.id ?? null,
        },
      };
      if (groupIds) p.groupIds = groupIds;
      if (roleIds) p.roleIds = roleIds;
      if (managerId !== undefined) p.managerId = managerId;
      if (managerPending !== undefined) p.managerPending = managerPending;

      if (!current) {
        const state = input.state ?? 'active';
        p.newRow = {
          username: fields.username,
          username_key: key,
          user_code: fields.user_code ?? null,
          firstname: fields.firstname ?? '',
          surname: fields.surname ?? '',
          email: fields.email ?? '',
          email_key: this.opts.emailUnique ? emailKey(fields.email ?? '') : null,
          job_title: fields.job_title ?? '',
          department: fields.department ?? '',
          office: fields.office ?? '',
          phone: fields.phone ?? '',
          mobile: fields.mobile ?? '',
          manager_id: managerId ?? null,
          extranet_id: extranetId ?? null,
          state,
          frozen_until: null,
          blocked_by:
            state === 'blocked' ? (actor.directoryId !== undefined ? 'directory' : 'admin') : null,
          blocked_reason: null,
          blocked_by_person_id: state === 'blocked' ? actor.personId : null,
          directory_id: actor.directoryId ?? null,
          password_authority: actor.directoryId !== undefined ? 'directory' : 'local',
          password_hash: input.password_hash ?? null,
          password_changed_at: input.password_hash ? at : null,
          must_change_password: fields.must_change_password ? 1 : 0,
          failed_logins: 0,
          origin: actor.gate,
          origin_source: null,
          profile: JSON.stringify(profile),
          has_photo: 0,
          last_login_at: null,
          created_at: at,
          updated_at: at,
          version: 1,
          search_text: searchText({
            username: fields.username ?? '',
            firstname: fields.firstname ?? '',
            surname: fields.surname ?? '',
            email: fields.email ?? '',
          }),
        };
        p.outcome.action = 'create';
      } else {
        const update: PersonRowUpdate = {};
        const changes: Changes = {};
        const set = (
          field: string,
          old: unknown,
          value: unknown,
          column: keyof PersonRowUpdate = field as keyof PersonRowUpdate,
          stored: unknown = value,
        ) => {
          if (JSON.stringify(old ?? null) !== JSON.stringify(value ?? null)) {
            changes[field] = [old ?? null, value ?? null];
            (update as Record<string, unknown>)[column] = stored;
          }
        };
        for (const f of [...TEXT_FIELDS, 'user_code'] as const) {
          const v = fields[f];
          if (v !== undefined) set(f, current[f], v);
        }
        if (fields.must_change_password !== undefined)
          set(
            'must_change_password',
            current.must_change_password === 1,
            fields.must_change_password,
            'must_change_password',
            fields.must_change_password ? 1 : 0,
          );
        if (fields.profile !== undefined) {
          const before = JSON.parse(current.profile) as Record<string, unknown>;
          for (const name of Object.keys(fields.profile)) {
            if (JSON.stringify(before[name] ?? null) !== JSON.stringify(profile[name] ?? null))
              changes[`profile.${name}`] = [before[name] ?? null, profile[name] ?? null];
          }
          if (Object.keys(changes).some((c) => c.startsWith('profile.')))
            update.profile = JSON.stringify(profile);
        }
        if (extranetId !== undefined) set('extranet_id', current.extranet_id, extranetId);
        if (managerId !== undefined) set('manager_id', current.manager_id, managerId);
        // Shown by username until the new manager's id exists (set when written).
        if (managerPending !== undefined && input.manager && 'username' in input.manager)
          changes.manager_id = [current.manager_id, input.manager.username];
        const transition =
          input.state !== undefined ? stateTransition(current, input.state, actor, null) : null;
        if (transition?.kind === 'owned')
          errors.push(ownedStateError(mappings.get(current.directory_id ?? 0)?.name));
        if (transition?.kind === 'change') {
          changes.state = [transition.from, transition.to];
          Object.assign(update, transition.update);
        }
        if (input.password !== undefined || input.password_hash !== undefined) {
          changes.password = ['[set]', '[new]'];
          if (input.password_hash !== undefined)
            Object.assign(update, { password_hash: input.password_hash, password_changed_at: at });
        }
        if (
          groupIds &&
          JSON.stringify(groupIds) !== JSON.stringify(currentGroups.get(current.id) ?? [])
        )
          changes.groups = [
            namesFor(currentGroups.get(current.id) ?? [], groupNames),
            namesFor(groupIds, groupNames),
          ];
        if (
          roleIds &&
          JSON.stringify(roleIds) !== JSON.stringify(currentRoles.get(current.id) ?? [])
        )
          changes.roles = [
            namesFor(currentRoles.get(current.id) ?? [], roleNames),
            namesFor(roleIds, roleNames),
          ];
        if (update.username !== undefined) update.username_key = usernameKey(update.username);
        if (update.email !== undefined)
          update.email_key = this.opts.emailUnique ? emailKey(update.email) : null;
        if (
          update.username !== undefined ||
          update.firstname !== undefined ||
          update.surname !== undefined ||
          update.email !== undefined
        ) {
          update.search_text = searchText({
            username: update.username ?? current.username,
            firstname: update.firstname ?? current.firstname,
            surname: update.surname ?? current.surname,
            email: update.email ?? current.email,
          });
        }
        if (current.directory_id !== null) {
          const mapping = mappings.get(current.directory_id);
          const bad = forbiddenOwnedFields(
            current,
            mapping?.fields ?? [],
            // State is settled by stateTransition (an administrator may block a synced account).
            Object.keys(changes).filter((c) => c !== 'state'),
            actor,
          );
          if (bad.length > 0)
            errors.push(
              ...bad.map((f) => ({
                field: f,
                message: `Managed by the directory "${mapping?.name ?? current.directory_id}"; change it there.`,
              })),
            );
        }
        p.existing = current;
        p.update = update;
        p.outcome.changes = changes;
        p.outcome.action = Object.keys(changes).length > 0 ? 'update' : 'unchanged';
      }
      if (errors.length > 0) {
        p.outcome.action = 'error';
        p.outcome.errors = errors;
        delete p.outcome.changes;
      }
      planned.push(p);
    }
    await this.checkUniqueAndManagers(planned);
    return planned;
  }

  private async memberships(
    table: coll.MemberTable,
    personIds: number[],
    needed: boolean,
  ): Promise<Map<number, number[]>> {
    const m = new Map<number, number[]>();
    if (!needed) return m;
    const key = table === 'group_members' ? 'group_id' : 'role_id';
    for (const part of chunks(personIds)) {
      const rows = await this.store.db
        .selectFrom(table)
        .select(['person_id', key])
        .where('person_id', 'in', part)
        .execute();
      for (const r of rows as { person_id: number; group_id?: number; role_id?: number }[]) {
        const list = m.get(r.person_id) ?? [];
        list.push((r.group_id ?? r.role_id)!);
        m.set(r.person_id, list);
      }
    }
    for (const list of m.values()) list.sort((a, b) => a - b);
    return m;
  }

  /** Email and user-code uniqueness across the file and the database; manager references and loops. */
  private async checkUniqueAndManagers(planned: Planned[]): Promise<void> {
    const db = this.store.db;
    const fail = (p: Planned, e: FieldError) => {
      p.outcome.action = 'error';
      delete p.outcome.changes;
      (p.outcome.errors ??= []).push(e);
    };
    const live = () => planned.filter((p) => p.outcome.action !== 'error');
    for (const [column, field, label] of [
      ['email_key', 'email', 'email address'],
      ['user_code', 'user_code', 'user code'],
    ] as const) {
      const claims = new Map<string, Planned>();
      for (const p of live()) {
        const value = p.newRow ? p.newRow[column] : p.update?.[column];
        if (value === undefined || value === null) continue;
        const other = claims.get(value);
        if (other) fail(p, { field, message: `This ${label} is also on row ${other.input.row}.` });
        else claims.set(value, p);
      }
      // People of this batch who give their value up (it may pass to another row).
      const releasing = new Set(
        planned
          .filter(
            (q) => q.existing && q.outcome.action !== 'error' && q.update?.[column] !== undefined,
          )
          .map((q) => q.existing!.id),
      );
      for (const part of chunks([...claims.keys()])) {
        const rows = await db
          .selectFrom('people')
          .select(['id', column])
          .where(column, 'in', part)
          .execute();
        for (const r of rows) {
          const p = claims.get(String(r[column]));
          // Taken by someone else, unless that someone gives it up in this same file.
          if (p && p.existing?.id !== r.id && !releasing.has(r.id))
            fail(p, { field, message: `Another account already has this ${label}.` });
        }
      }
    }
    await this.checkUserFieldReferences(planned);
    // Managers by id must exist.
    const ids = [
      ...new Set(
        live().flatMap((p) =>
          p.managerId !== undefined && p.managerId !== null ? [p.managerId] : [],
        ),
      ),
    ];
    const found = new Set<number>();
    for (const part of chunks(ids))
      for (const id of await repo.existingPersonIds(db, part)) found.add(id);
    for (const p of live())
      if (p.managerId !== undefined && p.managerId !== null && !found.has(p.managerId))
        fail(p, { field: 'manager', message: `No person has id ${p.managerId}.` });
    await this.settleManagers(planned, fail);
  }

  /** Values of user-select profile fields must name people who exist. */
  private async checkUserFieldReferences(planned: Planned[]): Promise<void> {
    const defs = (await this.profileFields.list()).filter((d) => d.type === 'user');
    if (defs.length === 0) return;
    const uses: { p: Planned; name: string; id: number }[] = [];
    for (const p of planned) {
      const given = p.input.fields.profile;
      if (p.outcome.action === 'error' || !given) continue;
      for (const d of defs) {
        const v = given[d.name];
        if (typeof v === 'number') uses.push({ p, name: d.name, id: v });
      }
    }
    const found = new Set<number>();
    for (const part of chunks([...new Set(uses.map((u) => u.id))]))
      for (const id of await repo.existingPersonIds(this.store.db, part)) found.add(id);
    for (const u of uses)
      if (!found.has(u.id)) {
        u.p.outcome.action = 'error';
        delete u.p.outcome.changes;
        (u.p.outcome.errors ??= []).push({
          field: `profile.${u.name}`,
          message: `No person has id ${u.id}.`,
        });
      }
  }

  /**
   * Managers created in this batch must be created (not refused), and no manager link may
   * close a loop in the org chart, counting links already stored and links made by the batch.
   * Refusing one row can strand another, so this repeats until nothing changes.
   */
  private async settleManagers(
    planned: Planned[],
    fail: (p: Planned, e: FieldError) => void,
  ): Promise<void> {
    const touches = planned.some(
      (p) => p.managerPending !== undefined || (p.existing && p.update?.manager_id !== undefined),
    );
    const stored = new Map<number, number>();
    if (touches) {
      const rows = await this.store.db
        .selectFrom('people')
        .select(['id', 'manager_id'])
        .where('manager_id', 'is not', null)
        .execute();
      for (const r of rows) stored.set(r.id, r.manager_id!);
    }
    // Nodes: stored people by id; people the batch creates by -(index + 1).
    const nodeOf = new Map<Planned, number>();
    const createdNode = new Map<string, number>();
    planned.forEach((p, i) => {
      const node = p.existing ? p.existing.id : -(i + 1);
      nodeOf.set(p, node);
      if (p.newRow) createdNode.set(p.newRow.username_key, node);
    });
    const byNode = new Map(planned.map((p) => [nodeOf.get(p)!, p]));
    const createdRows = new Map(
      planned.filter((p) => p.newRow).map((p) => [p.newRow!.username_key, p]),
    );
    for (let changed = true; changed;) {
      changed = false;
      for (const p of planned) {
        if (p.outcome.action === 'error' || p.managerPending === undefined) continue;
        const target = createdRows.get(p.managerPending)!;
        if (target.outcome.action === 'error') {
          fail(p, {
            field: 'manager',
            message: `The manager "${target.outcome.username}" is on row ${target.input.row}, which has errors.`,
          });
          changed = true;
        }
      }
      if (!touches) continue;
      const link = (node: number): number | null => {
        const p = byNode.get(node);
        if (p && p.outcome.action !== 'error') {
          if (p.managerPending !== undefined) return createdNode.get(p.managerPending)!;
          if (p.newRow) return p.newRow.manager_id ?? null;
          if (p.update?.manager_id !== undefined) return p.update.manager_id;
        }
        return node > 0 ? (stored.get(node) ?? null) : null;
      };
      const safe = new Set<number>();
      let loop = false;
      for (const start of byNode.keys()) {
        const path: number[] = [];
        const onPath = new Set<number>();
        let cur: number | null = start;
        while (cur !== null && !safe.has(cur)) {
          if (onPath.has(cur)) {
            for (const n of path.slice(path.indexOf(cur))) {
              const q = byNode.get(n);
              if (q && q.outcome.action !== 'error') {
                fail(q, {
                  field: 'manager',
                  message: 'This manager would make a loop in the org chart.',
                });
                loop = true;
              }
            }
            break;
          }
          path.push(cur);
          onPath.add(cur);
          cur = link(cur);
        }
        if (loop) break; // links changed: start again
        for (const n of path) safe.add(n);
      }
      changed ||= loop;
    }
  }

  private async write(
    tx: repo.Executor,
    actor: Actor,
    work: Planned[],
    origin: string | null,
  ): Promise<void> {
    const at = nowIso();
    // Audit events are written as they pile up, so a large batch never holds them all.
    const auditChunk = Math.floor(this.store.caps.maxParameters / 13);
    let audits: ReturnType<typeof auditRow>[] = [];
    const flushAudits = async (all: boolean) => {
      while (audits.length >= (all ? 1 : auditChunk)) {
        await tx.insertInto('audit_events').values(audits.slice(0, auditChunk)).execute();
        audits = audits.slice(auditChunk);
      }
    };
    // Values that move between people of this batch (a swap of emails or user codes) are
    // released first, so no intermediate state collides with the unique indexes.
    for (const column of ['email_key', 'user_code'] as const) {
      const moving = work.filter((p) => p.existing && p.update?.[column] !== undefined);
      for (const part of chunks(moving.map((p) => p.existing!.id)))
        await tx
          .updateTable('people')
          .set({ [column]: null })
          .where('id', 'in', part)
          .execute();
    }
    // Creates are inserted manager-first, so a new person's new manager already has an id.
    const createdId = new Map<string, number>();
    let remaining = work.filter((p) => p.newRow);
    while (remaining.length > 0) {
      const ready = remaining.filter(
        (p) => p.managerPending === undefined || createdId.has(p.managerPending),
      );
      if (ready.length === 0) throw new Error('Unresolvable manager references in a batch.');
      for (const p of ready) {
        p.newRow!.origin_source = origin;
        if (p.managerPending !== undefined) p.newRow!.manager_id = createdId.get(p.managerPending)!;
      }
      for (const part of chunks(ready, 5000)) {
        const ids = await repo.insertPeople(
          tx,
          part.map((p) => p.newRow!),
          this.store.caps.maxParameters,
        );
        part.forEach((p, i) => {
          p.outcome.person_id = ids[i]!;
          createdId.set(p.newRow!.username_key, ids[i]!);
          audits.push(
            auditRow(actor, {
              action: 'person.create',
              targetType: 'person',
              targetId: ids[i]!,
              targetLabel: p.newRow!.username,
              changes: diff(null, auditView(p.newRow as PersonRow)),
              at,
            }),
          );
        });
        await flushAudits(false);
      }
      const done = new Set(ready);
      remaining = remaining.filter((p) => !done.has(p));
    }
    for (const p of work)
      if (p.existing && p.managerPending !== undefined) {
        const id = createdId.get(p.managerPending)!;
        p.update!.manager_id = id;
        p.outcome.changes!.manager_id = [p.existing.manager_id, id];
      }
    for (const p of work.filter((x) => x.existing)) {
      const current = p.existing!;
      if (Object.keys(p.update!).length > 0) {
        const next = await repo.updatePersonIfVersion(tx, current.id, current.version, {
          ...p.update,
          updated_at: at,
        });
        if (!next)
          throw new GatehouseError(
            'precondition_failed',
            `The account "${current.username}" (row ${p.input.row}) changed while the import ran; nothing was applied. Run the import again.`,
          );
        if (p.update!.state === 'blocked')
          await tx.deleteFrom('sessions').where('person_id', '=', current.id).execute();
      }
      audits.push(
        auditRow(actor, {
          action: 'person.update',
          targetType: 'person',
          targetId: current.id,
          targetLabel: current.username,
          changes: p.outcome.changes ?? {},
          at,
        }),
      );
      await flushAudits(false);
    }
    for (const [table, key, field] of [
      ['group_members', 'group_id', 'groupIds'],
      ['role_members', 'role_id', 'roleIds'],
    ] as const) {
      const withSets = work.filter(
        (p) =>
          p[field] !== undefined &&
          (p.newRow || p.outcome.changes?.[field === 'groupIds' ? 'groups' : 'roles']),
      );
      for (const part of chunks(withSets.filter((p) => p.existing).map((p) => p.existing!.id))) {
        await tx.deleteFrom(table).where('person_id', 'in', part).execute();
      }
      const values = withSets.flatMap((p) =>
        p[field]!.map((id) => ({ [key]: id, person_id: p.outcome.person_id! })),
      );
      for (const part of chunks(values, 5000)) await tx.insertInto(table).values(part).execute();
    }
    await flushAudits(true);
  }
}
