/** Custom profile field definitions, and validation of a person's values against them. */
import type { Store } from '../store/database.ts';
import type { Executor } from '../store/people-repo.ts';
import { existingPersonIds } from '../store/people-repo.ts';
import {
  deleteProfileFieldRow,
  insertProfileFieldRow,
  listProfileFieldRows,
  updateProfileFieldRow,
} from '../store/profile-field-repo.ts';
import type { ProfileFieldRow } from '../store/schema.ts';
import { recordAudit, diff } from '../audit/record.ts';
import { type Actor, nowIso } from './context.ts';
import { GatehouseError, fail, type FieldError } from './errors.ts';
import {
  PROFILE_FIELD_TYPES,
  checkProfileValue,
  type ProfileFieldDef,
  type ProfileFieldType,
} from './profile-field-types.ts';
import { withUniqueErrors } from './uniqueness.ts';

export interface ProfileField extends ProfileFieldDef {
  id: number;
  created_at: string;
  updated_at: string;
}

export interface ProfileFieldInput {
  name?: string;
  label?: string;
  type?: string;
  options?: string[];
  required?: boolean;
}

// Symbolic names become CSV column names: keep them simple and unambiguous.
const SYMBOLIC = /^[a-z][a-z0-9_]{0,62}$/;
const RESERVED = new Set([
  'id',
  'username',
  'password',
  'password_hash',
  'firstname',
  'surname',
  'email',
  'user_code',
  'state',
  'groups',
  'roles',
  'manager',
  'manager_id',
  'extranet',
  'extranet_id',
  'job_title',
  'department',
  'office',
  'phone',
  'mobile',
]);

function toField(r: ProfileFieldRow): ProfileField {
  return {
    id: r.id,
    name: r.name,
    label: r.label,
    type: r.type as ProfileFieldType,
    options: JSON.parse(r.options) as string[],
    required: r.required === 1,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/**
 * Definitions are read on every validation, so they are cached briefly; a change made on
 * another node is seen within CACHE_MS, a change made here at once.
 */
const CACHE_MS = 5_000;

export class ProfileFieldsService {
  private cache: { fields: ProfileField[]; at: number } | null = null;
  constructor(private readonly store: Store) {}

  /**
   * The definitions; `db` is the caller's transaction when it holds one. What a transaction
   * reads is kept too: definitions are written only by this service, in transactions of its
   * own that never read through here, so any other transaction reads committed definitions,
   * as a read outside one would. The cache is emptied after each write commits; a read that
   * overlaps a write may keep the old definitions, for CACHE_MS at most.
   */
  async list(db: Executor = this.store.db): Promise<ProfileField[]> {
    if (this.cache && Date.now() - this.cache.at < CACHE_MS) return this.cache.fields;
    const fields = (await listProfileFieldRows(db)).map(toField);
    this.cache = { fields, at: Date.now() };
    return fields;
  }

  async get(id: number): Promise<ProfileField> {
    const f = (await this.list()).find((x) => x.id === id);
    if (!f) fail('not_found', `No profile field has id ${id}.`);
    return f;
  }

  private check(input: ProfileFieldInput, creating: boolean): FieldError[] {
    const errors: FieldError[] = [];
    if (creating || input.name !== undefined) {
      if (!input.name || !SYMBOLIC.test(input.name))
        errors.push({
          field: 'name',
          message: 'Must be lower-case letters, digits and _, starting with a letter.',
        });
      else if (RESERVED.has(input.name))
        errors.push({ field: 'name', message: 'This name is used by a built-in field.' });
    }
    if (
      (creating || input.label !== undefined) &&
      (!input.label || input.label.trim() === '' || input.label.length > 200)
    ) {
      errors.push({ field: 'label', message: 'Required, at most 200 characters.' });
    }
    if (
      (creating || input.type !== undefined) &&
      !PROFILE_FIELD_TYPES.includes(input.type as ProfileFieldType)
    ) {
      errors.push({ field: 'type', message: `Must be one of: ${PROFILE_FIELD_TYPES.join(', ')}.` });
    }
    if (
      input.options !== undefined &&
      input.options.some((o) => o.includes(',') || o.trim() === '')
    ) {
      errors.push({
        field: 'options',
        message: 'Options must be non-empty and must not contain commas (CSV lists use them).',
      });
    }
    return errors;
  }

  async create(actor: Actor, input: ProfileFieldInput): Promise<ProfileField> {
    const errors = this.check(input, true);
    if (
      (input.type === 'select' || input.type === 'multiselect') &&
      (input.options ?? []).length === 0
    ) {
      errors.push({ field: 'options', message: 'A select field needs at least one option.' });
    }
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
    const at = nowIso();
    const row = await withUniqueErrors(this.store.caps, () =>
      this.store.db.transaction().execute(async (tx) => {
        const r = await insertProfileFieldRow(tx, {
          name: input.name!,
          label: input.label!.trim(),
          type: input.type!,
          options: JSON.stringify(input.options ?? []),
          required: input.required ? 1 : 0,
          created_at: at,
          updated_at: at,
        });
        await recordAudit(tx, actor, {
          action: 'profile_field.create',
          targetType: 'profile_field',
          targetId: r.id,
          targetLabel: r.name,
          changes: diff(null, { ...toField(r) }),
          at,
        });
        return r;
      }),
    );
    this.cache = null;
    return toField(row);
  }

  async update(actor: Actor, id: number, input: ProfileFieldInput): Promise<ProfileField> {
    const before = await this.get(id);
    const errors = this.check(input, false);
    if (input.type !== undefined && input.type !== before.type)
      errors.push({
        field: 'type',
        message: 'The type of a field cannot change; create a new field instead.',
      });
    if (input.name !== undefined && input.name !== before.name)
      errors.push({
        field: 'name',
        message: 'The symbolic name cannot change (CSV files use it); change the label instead.',
      });
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
    const at = nowIso();
    const row = await this.store.db.transaction().execute(async (tx) => {
      const r = await updateProfileFieldRow(tx, id, {
        ...(input.label !== undefined ? { label: input.label.trim() } : {}),
        ...(input.options !== undefined ? { options: JSON.stringify(input.options) } : {}),
        ...(input.required !== undefined ? { required: input.required ? 1 : 0 } : {}),
        updated_at: at,
      });
      await recordAudit(tx, actor, {
        action: 'profile_field.update',
        targetType: 'profile_field',
        targetId: id,
        targetLabel: r.name,
        changes: diff({ ...before }, { ...toField(r) }),
        at,
      });
      return r;
    });
    this.cache = null;
    return toField(row);
  }

  /** Deletes a definition; values already stored stay in people's records but are no longer shown. */
  async delete(actor: Actor, id: number): Promise<void> {
    const before = await this.get(id);
    await this.store.db.transaction().execute(async (tx) => {
      await deleteProfileFieldRow(tx, id);
      await recordAudit(tx, actor, {
        action: 'profile_field.delete',
        targetType: 'profile_field',
        targetId: id,
        targetLabel: before.name,
        changes: diff({ ...before }, {}),
        at: nowIso(),
      });
    });
    this.cache = null;
  }

  /** Pushes an error for every required field a new person's profile leaves empty. */
  async requireAll(
    profile: Record<string, unknown>,
    errors: FieldError[],
    db: Executor = this.store.db,
    defs?: ProfileField[],
  ): Promise<void> {
    for (const f of defs ?? (await this.list(db))) {
      const v = profile[f.name];
      if (f.required && (v === undefined || v === null || v === '')) {
        errors.push({ field: `profile.${f.name}`, message: `${f.label} is required.` });
      }
    }
  }

  async validate(
    values: Record<string, unknown>,
    current: Record<string, unknown>,
    errors: FieldError[],
    db: Executor = this.store.db,
    defs?: ProfileField[],
  ): Promise<Record<string, unknown>> {
    const fields = defs ?? (await this.list(db));
    const byName = new Map(fields.map((f) => [f.name, f]));
    const out = { ...current };
    for (const [name, value] of Object.entries(values)) {
      const def = byName.get(name);
      if (!def) {
        errors.push({
          field: `profile.${name}`,
          message: `There is no profile field "${name}". Define it first, or remove it.`,
        });
        continue;
      }
      const r = checkProfileValue(def, value);
      if (!r.ok) errors.push({ field: `profile.${name}`, message: r.message });
      else if (r.value === null) delete out[name];
      else out[name] = r.value;
    }
    return out;
  }

  /** Checks that values of user-select fields name people who exist. */
  async checkUserReferences(db: Executor, values: Record<string, unknown>): Promise<void> {
    // Read the definitions through `db`: inside a transaction on SQLite (one connection), a
    // query on the shared handle would wait for the transaction forever.
    const userFields = (await this.list(db)).filter((f) => f.type === 'user');
    const ids = userFields
      .map((f) => values[f.name])
      .filter((v): v is number => typeof v === 'number');
    if (ids.length === 0) return;
    const found = await existingPersonIds(db, ids);
    const errors = userFields
      .filter((f) => typeof values[f.name] === 'number' && !found.has(values[f.name] as number))
      .map((f) => ({
        field: `profile.${f.name}`,
        message: `No person has id ${String(values[f.name])}.`,
      }));
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
  }
}
