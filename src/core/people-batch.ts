/**
 * Bulk add/update of people keyed by username: the engine behind CSV imports and directory
 * syncs. `plan` says per row what would happen (create, update with field changes,
 * unchanged, error) without writing; `apply` writes every planned change in one transaction,
 * so a file is applied whole or not at all.
 *
 * Memory: a batch of 100,000 rows is read a slice at a time (`BatchSource`; an array is
 * one). Each slice is planned in full, then only a small record per row is kept (`Kept`:
 * the outcome and what the cross-row rules need: claimed email and user code, manager
 * links). An apply plans the rows it creates again, a slice at a time, inside the
 * transaction, rather than holding a new record for every row between plan and write.
 */
import {
  clearUniqueColumn,
  deleteMembershipsOf,
  holdersOf,
  idsByUsernameKeys,
  insertMemberships,
  managerLinks,
  membershipPairs,
} from '../store/batch-repo.ts';
import { deleteSessionsOf } from '../store/auth-repo.ts';
import { AUDIT_COLUMNS, insertManyAuditRows } from '../store/audit-repo.ts';
import type { Store } from '../store/database.ts';
import type { NewPersonRow, PersonRow, PersonRowUpdate } from '../store/schema.ts';
import * as repo from '../store/people-repo.ts';
import * as coll from '../store/collection-repo.ts';
import { listDirectories } from '../store/directory-repo.ts';
import { namesOf } from '../store/export-repo.ts';
import { auditRow, type Changes } from '../audit/record.ts';
import { hashPassword, isSupportedHash } from '../auth/passwords.ts';
import { type Actor, nowIso } from './context.ts';
import { GatehouseError, type FieldError } from './errors.ts';
import { nameKey, usernameKey } from './normalize.ts';
import {
  addDerivedColumns,
  newPersonRow,
  checkPersonFields,
  tidy,
  TEXT_FIELDS,
  type PersonFields,
} from './person.ts';
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

/** Rows of a batch, taken a slice at a time (an array is one). */
export interface BatchSource {
  readonly length: number;
  slice(start: number, end: number): BatchRow[];
}

/** A row planned in full: lives only while its slice is planned or written. */
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

/**
 * What is kept of a planned row until the batch ends: its outcome, and what the cross-row
 * rules and the write need. A row to create keeps no record: it is planned again when written.
 */
interface Kept {
  outcome: RowOutcome;
  /** The row creates a person (even if it has errors: another row may name it as manager). */
  creates?: true;
  managerId?: number | null;
  managerPending?: string;
  /** User-select profile values given by the row (must name people who exist). */
  userRefs?: { name: string; id: number }[];
  /** A plaintext password to hash before writing. */
  password?: true;
  /** For an update: the stored person as planned, and the change to write. */
  existing?: { id: number; version: number; username: string; manager_id: number | null };
  update?: PersonRowUpdate;
  groupIds?: number[];
  roleIds?: number[];
}

type Claims = Record<'email_key' | 'user_code', PackedStrings>;

/** Bytes per buffer of packed strings (a longer string gets a buffer of its own). */
const ARENA_BYTES = 1 << 20;

/**
 * One string (or none) per row, kept UTF-8 encoded in buffers outside V8's heap and read back
 * one at a time: the email keys and user codes claimed by 100,000 rows would otherwise be
 * 200,000 strings on the heap while the batch is checked, and V8 sizes its heap from that.
 */
class PackedStrings {
  private readonly arenas: Buffer[] = [];
  private used = 0;
  /** Per string: buffer, offset, byte length (-1: none). */
  private places = new Int32Array(3 * 1024);
  private count = 0;

  push(value: string | undefined): void {
    const at = 3 * this.count++;
    if (this.places.length < at + 3) {
      const more = new Int32Array(this.places.length * 2);
      more.set(this.places);
      this.places = more;
    }
    if (value === undefined) {
      this.places[at + 2] = -1;
      return;
    }
    const bytes = Buffer.byteLength(value);
    let arena = this.arenas[this.arenas.length - 1];
    if (arena === undefined || this.used + bytes > arena.length) {
      arena = Buffer.allocUnsafe(Math.max(ARENA_BYTES, bytes));
      this.arenas.push(arena);
      this.used = 0;
    }
    arena.write(value, this.used, 'utf8');
    this.places[at] = this.arenas.length - 1;
    this.places[at + 1] = this.used;
    this.places[at + 2] = bytes;
    this.used += bytes;
  }

  get(i: number): string | undefined {
    const at = 3 * i;
    const bytes = this.places[at + 2]!;
    if (i >= this.count || bytes < 0) return undefined;
    const offset = this.places[at + 1]!;
    return this.arenas[this.places[at]!]!.toString('utf8', offset, offset + bytes);
  }
}

/** A hash of a string in 30 bits (FNV-1a, folded), so that it stays a small integer. */
function hash30(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

type ProfileDefs = Awaited<ReturnType<ProfileFieldsService['list']>>;

/** Everything a row's plan depends on besides the row and its stored person. */
interface Context {
  actor: Actor;
  defs: ProfileDefs;
  userDefs: ProfileDefs;
  policy: Awaited<ReturnType<SettingsService['passwordPolicy']>>;
  mappings: Map<number, { name: string; fields: string[] }>;
  groups: Map<string, number>;
  roles: Map<string, number>;
  extranets: Map<string, number>;
  groupNames: Map<number, string>;
  roleNames: Map<number, string>;
  /** Stored people by username key (those in the batch, and managers it names). */
  idByKey: Map<string, number>;
  /** Username keys the batch creates that rows name as manager (each key to itself: one string). */
  createdKeys: Map<string, string>;
  /** Row numbers of usernames that appear more than once. */
  repeated: Map<string, number[]>;
  needGroups: boolean;
  needRoles: boolean;
  at: string;
}

const CHUNK = 500;
/**
 * Rows planned (and written) per slice of the source. Small on purpose: what a slice
 * allocates then dies young (in V8's new space), instead of being promoted to the old
 * generation, which V8 lets grow to about four times its live size between full collections.
 */
const SLICE = 50;
/**
 * Parameters per bulk insert. Far below the engines' limits on purpose: a statement of
 * 32,000 parameters (and the query tree Kysely builds for it) lives long enough to be
 * promoted to V8's old generation, and 100,000 rows of such garbage grew the heap by
 * hundreds of MB before a full collection; small statements die young.
 */
const WRITE_PARAMETERS = 4000;

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

function namesFor(ids: number[], m: Map<number, string>): string[] {
  return ids.map((id) => m.get(id) ?? `#${id}`).sort((a, b) => a.localeCompare(b));
}

/**
 * Lets the event loop run between slices. A batch otherwise runs on promise callbacks
 * alone, which starves timers (progress, heartbeats) and V8's garbage-collection tasks: the
 * heap then grows far beyond what is live.
 */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The audit changes of a new person: each field of its audit view that has a value, as
 * `diff(null, auditView(row))` gives them (its values are strings, finite numbers and the
 * profile object, so "has a value" is "is not null"), without writing every value as JSON
 * twice to compare it with null: for 100,000 creates that was the largest cost of the write.
 */
function createChanges(row: NewPersonRow): Changes {
  const changes: Changes = {};
  const view = auditView(row);
  for (const field of Object.keys(view)) {
    const value = view[field];
    if (value !== null && value !== undefined) changes[field] = [null, value];
  }
  return changes;
}

const isWork = (k: Kept) => k.outcome.action === 'create' || k.outcome.action === 'update';

export class PeopleBatch {
  constructor(
    private readonly store: Store,
    private readonly opts: PeopleOptions,
    private readonly settings: SettingsService,
    private readonly profileFields: ProfileFieldsService,
  ) {}

  async plan(actor: Actor, rows: BatchSource): Promise<BatchResult> {
    const { kept } = await this.planAll(actor, rows);
    return { applied: false, ...this.report(kept) };
  }

  /**
   * Applies a batch. With errors in any row nothing is written unless `validOnly` is set,
   * in which case the valid rows are applied and the others reported.
   */
  async apply(
    actor: Actor,
    rows: BatchSource,
    options: {
      validOnly?: boolean;
      origin?: string | null;
      /** After each password hashed; a returned promise is awaited (before the transaction). */
      onProgress?: (done: number, total: number) => void | Promise<void>;
      /**
       * Awaited just before the write transaction opens (so a caller may still write
       * elsewhere, e.g. store an import's phase, even on SQLite's one connection).
       */
      onWrite?: (changes: number) => void | Promise<void>;
      /**
       * Inside the transaction, after each slice written: changes written so far. A returned
       * promise is awaited (on SQLite it must not wait for the database: the transaction holds
       * its one connection).
       */
      onWriteProgress?: (done: number, total: number) => void | Promise<void>;
      /**
       * Awaited last inside the write transaction, with it: what the caller writes there
       * (an import run marked applied) commits with the batch or not at all.
       */
      beforeCommit?: (tx: repo.Executor) => Promise<void>;
    } = {},
  ): Promise<BatchResult> {
    const { kept, ctx } = await this.planAll(actor, rows);
    const report = this.report(kept);
    if (report.summary.error > 0 && !options.validOnly) return { applied: false, ...report };
    const hashes = await this.hashPasswords(rows, kept, options.onProgress);
    const changes = report.summary.create + report.summary.update;
    await options.onWrite?.(changes);
    const progress = options.onWriteProgress;
    try {
      await this.store.db.transaction().execute(async (tx) => {
        await this.write(tx, ctx, rows, kept, hashes, options.origin ?? null, (done) =>
          progress?.(done, changes),
        );
        await options.beforeCommit?.(tx);
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
    return { applied: true, ...report };
  }

  private report(kept: Kept[]): Omit<BatchResult, 'applied'> {
    const summary: BatchSummary = {
      rows: kept.length,
      create: 0,
      update: 0,
      unchanged: 0,
      error: 0,
    };
    for (const k of kept) summary[k.outcome.action]++;
    return { summary, outcomes: kept.map((k) => k.outcome) };
  }

  /**
   * Hashes the plaintext passwords of the rows to write, before the transaction opens.
   * Updates get the hash in their change; creates get it when planned again for the write.
   */
  private async hashPasswords(
    rows: BatchSource,
    kept: Kept[],
    onProgress?: (done: number, total: number) => void | Promise<void>,
  ): Promise<Map<number, { hash: string; at: string }>> {
    const hashes = new Map<number, { hash: string; at: string }>();
    const total = kept.filter((k) => k.password && isWork(k)).length;
    if (total === 0) return hashes;
    // Passwords are taken from the source a slice at a time, as the lanes ask for them.
    let index = 0;
    let slice: BatchRow[] = [];
    let sliceStart = 0;
    const next = (): { i: number; password: string } | undefined => {
      for (; index < kept.length; index++) {
        const k = kept[index]!;
        if (!k.password || !isWork(k)) continue;
        if (index < sliceStart || index >= sliceStart + slice.length) {
          sliceStart = index;
          slice = rows.slice(index, Math.min(kept.length, index + SLICE));
        }
        const password = slice[index - sliceStart]!.password!;
        return { i: index++, password };
      }
      return undefined;
    };
    let done = 0;
    // @node-rs/argon2 hashes on libuv's thread pool, one hash per thread: keep it full.
    const lanes = Math.max(2, Number(process.env.UV_THREADPOOL_SIZE ?? 4));
    await Promise.all(
      Array.from({ length: Math.min(lanes, total) }, async () => {
        for (let job = next(); job; job = next()) {
          const hash = await hashPassword(job.password, this.opts.argon2);
          const at = nowIso();
          const k = kept[job.i]!;
          if (k.update) Object.assign(k.update, { password_hash: hash, password_changed_at: at });
          else hashes.set(job.i, { hash, at });
          await onProgress?.(++done, total);
        }
      }),
    );
    return hashes;
  }

  /** Plans every row, a slice at a time, then applies the rules that span rows. */
  private async planAll(actor: Actor, rows: BatchSource): Promise<{ kept: Kept[]; ctx: Context }> {
    const db = this.store.db;
    const ctx = await this.context(actor, rows);
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
      const currentGroups = await this.memberships(db, 'group_members', ids, ctx.needGroups);
      const currentRoles = await this.memberships(db, 'role_members', ids, ctx.needRoles);
      for (let j = 0; j < part.length; j++) {
        const key = partKeys[j]!;
        const p = await this.planRow(
          ctx,
          db,
          part[j]!,
          key,
          stored.get(key),
          currentGroups,
          currentRoles,
        );
        if (p.newRow && ctx.createdKeys.has(key)) createdIndex.set(key, start + j);
        kept.push(this.keep(ctx, p));
        for (const column of ['email_key', 'user_code'] as const) {
          const value = p.newRow ? p.newRow[column] : p.update?.[column];
          claims[column].push(
            p.outcome.action !== 'error' && typeof value === 'string' ? value : undefined,
          );
        }
      }
    }
    await this.checkUniqueAndManagers(kept, createdIndex, claims);
    return { kept, ctx };
  }

  /** What the rows refer to (existing people, groups, roles, extranets, managers), in one pass. */
  private async context(actor: Actor, rows: BatchSource): Promise<Context> {
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
    const keys = new Set<string>();
    const groupKeys = new Set<string>();
    const roleKeys = new Set<string>();
    const extranetKeys = new Set<string>();
    const managerKeys = new Set<string>();
    let needGroups = false;
    let needRoles = false;
    // A username twice in one file is ambiguous: both rows are refused.
    const firstRow = new Map<string, number>();
    const repeated = new Map<string, number[]>();
    for (let start = 0; start < rows.length; start += SLICE) {
      for (const r of rows.slice(start, Math.min(rows.length, start + SLICE))) {
        const k = usernameKey(r.username);
        if (r.groups) {
          needGroups = true;
          for (const g of r.groups) groupKeys.add(nameKey(g));
        }
        if (r.roles) {
          needRoles = true;
          for (const g of r.roles) roleKeys.add(nameKey(g));
        }
        if (r.extranet) extranetKeys.add(nameKey(r.extranet));
        if (r.manager && 'username' in r.manager) managerKeys.add(usernameKey(r.manager.username));
        if (k === '') continue;
        keys.add(k);
        const list = repeated.get(k);
        if (list) list.push(r.row);
        else if (firstRow.has(k)) repeated.set(k, [firstRow.get(k)!, r.row]);
        else firstRow.set(k, r.row);
      }
    }
    firstRow.clear();
    // Existing people by username: the batch's own, then managers named by username.
    const idByKey = new Map<string, number>();
    const lookUp = async (all: Iterable<string>) => {
      for (const part of chunks([...all]))
        for (const r of await idsByUsernameKeys(db, part)) idByKey.set(r.username_key, r.id);
    };
    await lookUp(keys);
    const createdKeys = new Map<string, string>();
    for (const k of managerKeys) if (keys.has(k) && !idByKey.has(k)) createdKeys.set(k, k);
    await lookUp([...managerKeys].filter((k) => !idByKey.has(k)));
    const named = async (table: coll.CollectionTable, names: Set<string>) => {
      const m = new Map<string, number>();
      for (const part of chunks([...names]))
        for (const r of await coll.findCollectionByNameKeys(db, table, part))
          m.set(r.name_key, r.id);
      return m;
    };
    const ctx: Context = {
      actor,
      defs,
      userDefs: defs.filter((d) => d.type === 'user'),
      policy,
      mappings,
      groups: await named('groups', groupKeys),
      roles: await named('roles', roleKeys),
      extranets: await named('extranets', extranetKeys),
      groupNames: needGroups ? await namesOf(db, 'groups') : new Map<number, string>(),
      roleNames: needRoles ? await namesOf(db, 'roles') : new Map<number, string>(),
      idByKey,
      createdKeys,
      repeated,
      needGroups,
      needRoles,
      at: nowIso(),
    };
    return ctx;
  }

  /** One row planned in full: its outcome, and the record or change it would write. */
  private async planRow(
    ctx: Context,
    db: repo.Executor,
    input: BatchRow,
    key: string,
    current: PersonRow | undefined,
    currentGroups: Map<number, number[]>,
    currentRoles: Map<number, number[]>,
  ): Promise<Planned> {
    const {
      actor,
      defs,
      policy,
      mappings,
      groups,
      roles,
      extranets,
      groupNames,
      roleNames,
      idByKey,
      createdKeys,
      repeated,
      at,
    } = ctx;
    const errors: FieldError[] = [...(input.readErrors ?? [])];
    const fields = tidy({ ...input.fields, username: input.username });
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
      else if (createdKeys.has(k)) managerPending = createdKeys.get(k)!;
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
    if (!current) await this.profileFields.requireAll(profile, errors, db, defs);
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
        ...new Set(names.map((n) => m.get(nameKey(n))).filter((x): x is number => x !== undefined)),
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
      p.newRow = newPersonRow(
        {
          username: fields.username ?? input.username,
          user_code: fields.user_code ?? null,
          firstname: fields.firstname ?? '',
          surname: fields.surname ?? '',
          email: fields.email ?? '',
          job_title: fields.job_title ?? '',
          department: fields.department ?? '',
          office: fields.office ?? '',
          phone: fields.phone ?? '',
          mobile: fields.mobile ?? '',
          manager_id: managerId ?? null,
          extranet_id: extranetId ?? null,
          state,
          blocked_by:
            state === 'blocked' ? (actor.directoryId !== undefined ? 'directory' : 'admin') : null,
          blocked_by_person_id: state === 'blocked' ? actor.personId : null,
          directory_id: actor.directoryId ?? null,
          password_authority: actor.directoryId !== undefined ? 'directory' : 'local',
          password_hash: input.password_hash ?? null,
          must_change_password: fields.must_change_password ?? false,
          origin: actor.gate,
          origin_source: null,
          profile,
        },
        this.opts.emailUnique,
        at,
      );
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
      if (roleIds && JSON.stringify(roleIds) !== JSON.stringify(currentRoles.get(current.id) ?? []))
        changes.roles = [
          namesFor(currentRoles.get(current.id) ?? [], roleNames),
          namesFor(roleIds, roleNames),
        ];
      addDerivedColumns(update, current, this.opts.emailUnique);
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

    return p;
  }

  /** The part of a planned row kept until the batch ends. */
  private keep(ctx: Context, p: Planned): Kept {
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

  private async memberships(
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
  private async checkUniqueAndManagers(
    kept: Kept[],
    createdIndex: Map<string, number>,
    claimed: Claims,
  ): Promise<void> {
    const db = this.store.db;
    const fail = (k: Kept, e: FieldError) => {
      k.outcome.action = 'error';
      delete k.outcome.changes;
      (k.outcome.errors ??= []).push(e);
    };
    const live = () => kept.filter((k) => k.outcome.action !== 'error');
    for (const [column, field, label] of [
      ['email_key', 'email', 'email address'],
      ['user_code', 'user_code', 'user code'],
    ] as const) {
      // The first row claiming each value, found by the value's hash (values whose hash is
      // already taken by another value go by the value itself).
      const values = claimed[column];
      const byHash = new Map<number, number>();
      const byValue = new Map<string, number>();
      const claimers: number[] = [];
      for (let i = 0; i < kept.length; i++) {
        const k = kept[i]!;
        const value = values.get(i);
        if (value === undefined || k.outcome.action === 'error') continue;
        const h = hash30(value);
        const first = byHash.get(h);
        let other: number | undefined;
        if (first === undefined) byHash.set(h, i);
        else if (values.get(first) === value) other = first;
        else other = byValue.get(value);
        if (other !== undefined)
          fail(k, { field, message: `This ${label} is also on row ${kept[other]!.outcome.row}.` });
        else {
          if (first !== undefined) byValue.set(value, i);
          claimers.push(i);
        }
      }
      // People of this batch who give their value up (it may pass to another row).
      const releasing = new Set(
        kept
          .filter(
            (q) => q.existing && q.outcome.action !== 'error' && q.update?.[column] !== undefined,
          )
          .map((q) => q.existing!.id),
      );
      for (const part of chunks(claimers)) {
        const claims = new Map(part.map((i) => [values.get(i)!, kept[i]!]));
        for (const r of await holdersOf(db, column, [...claims.keys()])) {
          const k = claims.get(r.value);
          // Taken by someone else, unless that someone gives it up in this same file.
          if (k && k.existing?.id !== r.id && !releasing.has(r.id))
            fail(k, { field, message: `Another account already has this ${label}.` });
        }
      }
    }
    await this.checkUserFieldReferences(kept);
    // Managers by id must exist.
    const ids = [
      ...new Set(
        live().flatMap((k) =>
          k.managerId !== undefined && k.managerId !== null ? [k.managerId] : [],
        ),
      ),
    ];
    const found = new Set<number>();
    for (const part of chunks(ids))
      for (const id of await repo.existingPersonIds(db, part)) found.add(id);
    for (const k of live())
      if (k.managerId !== undefined && k.managerId !== null && !found.has(k.managerId))
        fail(k, { field: 'manager', message: `No person has id ${k.managerId}.` });
    await this.settleManagers(kept, createdIndex, fail);
  }

  /** Values of user-select profile fields must name people who exist. */
  private async checkUserFieldReferences(kept: Kept[]): Promise<void> {
    const uses: { k: Kept; name: string; id: number }[] = [];
    for (const k of kept) {
      if (k.outcome.action === 'error' || !k.userRefs) continue;
      for (const u of k.userRefs) uses.push({ k, ...u });
    }
    if (uses.length === 0) return;
    const found = new Set<number>();
    for (const part of chunks([...new Set(uses.map((u) => u.id))]))
      for (const id of await repo.existingPersonIds(this.store.db, part)) found.add(id);
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

  /**
   * Managers created in this batch must be created (not refused), and no manager link may
   * close a loop in the org chart, counting links already stored and links made by the batch.
   * Refusing one row can strand another, so this repeats until nothing changes.
   */
  private async settleManagers(
    kept: Kept[],
    createdIndex: Map<string, number>,
    fail: (k: Kept, e: FieldError) => void,
  ): Promise<void> {
    const touches = kept.some(
      (k) => k.managerPending !== undefined || (k.existing && k.update?.manager_id !== undefined),
    );
    const stored = new Map<number, number>();
    if (touches) {
      for (const r of await managerLinks(this.store.db)) stored.set(r.id, r.manager_id!);
    }
    // Nodes: stored people by id; people the batch creates by -(index + 1). Looked up through
    // the rows themselves, so 100,000 new people need no map of their own.
    const existingIndex = new Map<number, number>();
    kept.forEach((k, i) => {
      if (!k.creates) existingIndex.set(k.outcome.person_id!, i);
    });
    const nodeOf = (i: number) => (kept[i]!.creates ? -(i + 1) : kept[i]!.outcome.person_id!);
    const rowAt = (node: number): Kept | undefined => {
      if (node < 0) return kept[-node - 1];
      const i = existingIndex.get(node);
      return i === undefined ? undefined : kept[i];
    };
    for (let changed = true; changed;) {
      changed = false;
      for (const k of kept) {
        if (k.outcome.action === 'error' || k.managerPending === undefined) continue;
        const target = kept[createdIndex.get(k.managerPending)!]!;
        if (target.outcome.action === 'error') {
          fail(k, {
            field: 'manager',
            message: `The manager "${target.outcome.username}" is on row ${target.outcome.row}, which has errors.`,
          });
          changed = true;
        }
      }
      if (!touches) continue;
      const link = (node: number): number | null => {
        const k = rowAt(node);
        if (k && k.outcome.action !== 'error') {
          if (k.managerPending !== undefined) return nodeOf(createdIndex.get(k.managerPending)!);
          if (k.creates) return k.managerId ?? null;
          if (k.update?.manager_id !== undefined) return k.update.manager_id;
        }
        return node > 0 ? (stored.get(node) ?? null) : null;
      };
      const safeCreated = new Uint8Array(kept.length);
      const safeStored = new Set<number>();
      const isSafe = (n: number) => (n < 0 ? safeCreated[-n - 1] === 1 : safeStored.has(n));
      let loop = false;
      for (let i = 0; i < kept.length && !loop; i++) {
        const path: number[] = [];
        const onPath = new Set<number>();
        let cur: number | null = nodeOf(i);
        while (cur !== null && !isSafe(cur)) {
          if (onPath.has(cur)) {
            for (const n of path.slice(path.indexOf(cur))) {
              const q = rowAt(n);
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
        // After a loop the links changed: start again.
        if (!loop)
          for (const n of path)
            if (n < 0) safeCreated[-n - 1] = 1;
            else safeStored.add(n);
      }
      changed ||= loop;
    }
  }

  /**
   * Writes the batch inside its transaction, a slice of the source at a time: rows to create
   * are planned again (from the same context, so to the same record) and inserted, updates
   * are written as planned. A new person whose manager is created by a later row waits
   * until that manager has an id.
   */
  private async write(
    tx: repo.Executor,
    ctx: Context,
    rows: BatchSource,
    kept: Kept[],
    hashes: Map<number, { hash: string; at: string }>,
    origin: string | null,
    onWritten?: (done: number) => void | Promise<void>,
  ): Promise<void> {
    const { actor } = ctx;
    let written = 0;
    const at = nowIso();
    // Audit events are written a statement's worth at a time: held longer, the events of
    // 100,000 new people (about 1 KB each) outlive V8's young generation and pile up as garbage.
    const auditChunk = Math.floor(WRITE_PARAMETERS / AUDIT_COLUMNS.length);
    let audits: ReturnType<typeof auditRow>[] = [];
    const flushAudits = async (all: boolean) => {
      if (audits.length === 0 || (!all && audits.length < auditChunk)) return;
      await insertManyAuditRows(tx, this.store.caps, audits, WRITE_PARAMETERS);
      audits = [];
    };
    // Values that move between people of this batch (a swap of emails or user codes) are
    // released first, so no intermediate state collides with the unique indexes.
    for (const column of ['email_key', 'user_code'] as const) {
      const moving = kept.filter(
        (k) => isWork(k) && k.existing && k.update?.[column] !== undefined,
      );
      for (const part of chunks(moving.map((k) => k.existing!.id)))
        await clearUniqueColumn(tx, column, part);
    }
    // Ids of new people that other rows name as manager.
    const wanted = new Set(kept.flatMap((k) => (k.managerPending ? [k.managerPending] : [])));
    const createdId = new Map<string, number>();
    const memberships = async (
      items: { person: number; k: Kept | Planned; created: boolean }[],
    ) => {
      for (const [table, field, change] of [
        ['group_members', 'groupIds', 'groups'],
        ['role_members', 'roleIds', 'roles'],
      ] as const) {
        const withSets = items.filter(
          (x) => x.k[field] !== undefined && (x.created || x.k.outcome.changes?.[change]),
        );
        const replaced = withSets.filter((x) => !x.created).map((x) => x.person);
        for (const part of chunks(replaced)) await deleteMembershipsOf(tx, table, part);
        const pairs = withSets.flatMap((x) =>
          x.k[field]!.map((id) => ({ item_id: id, person_id: x.person })),
        );
        for (const part of chunks(pairs, 5000)) await insertMemberships(tx, table, part);
      }
    };
    /** Inserts, manager first, the creates whose manager has an id; returns the others. */
    const insertCreates = async (list: { i: number; p: Planned }[]) => {
      let remaining = list;
      for (;;) {
        const ready = remaining.filter(
          (x) => x.p.managerPending === undefined || createdId.has(x.p.managerPending),
        );
        if (ready.length === 0) return remaining;
        for (const { p } of ready)
          if (p.managerPending !== undefined)
            p.newRow!.manager_id = createdId.get(p.managerPending)!;
        const ids = await repo.insertPeople(
          tx,
          this.store.caps,
          ready.map((x) => x.p.newRow!),
          WRITE_PARAMETERS,
        );
        ready.forEach(({ i, p }, n) => {
          const id = ids[n]!;
          kept[i]!.outcome.person_id = id;
          if (wanted.has(p.newRow!.username_key)) createdId.set(p.newRow!.username_key, id);
          audits.push(
            auditRow(actor, {
              action: 'person.create',
              targetType: 'person',
              targetId: id,
              targetLabel: p.newRow!.username,
              changes: createChanges(p.newRow!),
              at,
            }),
          );
        });
        await memberships(ready.map((x, n) => ({ person: ids[n]!, k: x.p, created: true })));
        await flushAudits(true);
        written += ready.length;
        const done = new Set(ready);
        remaining = remaining.filter((x) => !done.has(x));
        if (remaining.length === 0) return remaining;
      }
    };
    const writeUpdates = async (list: Kept[]) => {
      for (const k of list) {
        const current = k.existing!;
        if (k.managerPending !== undefined) {
          const id = createdId.get(k.managerPending)!;
          k.update!.manager_id = id;
          k.outcome.changes!.manager_id = [current.manager_id, id];
        }
        if (Object.keys(k.update!).length > 0) {
          const next = await repo.updatePersonIfVersion(tx, current.id, current.version, {
            ...k.update,
            updated_at: at,
          });
          if (!next)
            throw new GatehouseError(
              'precondition_failed',
              `The account "${current.username}" (row ${k.outcome.row}) changed while the import ran; nothing was applied. Run the import again.`,
            );
          if (k.update!.state === 'blocked') await deleteSessionsOf(tx, current.id);
        }
        audits.push(
          auditRow(actor, {
            action: 'person.update',
            targetType: 'person',
            targetId: current.id,
            targetLabel: current.username,
            changes: k.outcome.changes ?? {},
            at,
          }),
        );
        await flushAudits(false);
      }
      await memberships(list.map((k) => ({ person: k.existing!.id, k, created: false })));
      await flushAudits(true);
      written += list.length;
    };
    const noMembers = new Map<number, number[]>();
    let waitingCreates: { i: number; p: Planned }[] = [];
    const waitingUpdates: Kept[] = [];
    for (let start = 0; start < kept.length; start += SLICE) {
      await breathe();
      const end = Math.min(kept.length, start + SLICE);
      let part: BatchRow[] | undefined;
      const creates: { i: number; p: Planned }[] = [];
      const updates: Kept[] = [];
      for (let i = start; i < end; i++) {
        const k = kept[i]!;
        if (k.outcome.action === 'update') {
          if (k.managerPending !== undefined && !createdId.has(k.managerPending))
            waitingUpdates.push(k);
          else updates.push(k);
        }
        if (k.outcome.action !== 'create') continue;
        part ??= rows.slice(start, end);
        const input = part[i - start]!;
        const p = await this.planRow(
          ctx,
          tx,
          input,
          usernameKey(input.username),
          undefined,
          noMembers,
          noMembers,
        );
        const hashed = hashes.get(i);
        if (hashed)
          Object.assign(p.newRow!, { password_hash: hashed.hash, password_changed_at: hashed.at });
        p.newRow!.origin_source = origin;
        creates.push({ i, p });
      }
      waitingCreates.push(...(await insertCreates(creates)));
      await writeUpdates(updates);
      await onWritten?.(written);
    }
    waitingCreates = await insertCreates(waitingCreates);
    if (waitingCreates.length > 0) throw new Error('Unresolvable manager references in a batch.');
    await writeUpdates(waitingUpdates);
    await flushAudits(true);
    await onWritten?.(written);
  }
}
