/**
 * One row planned in full: the checks of its fields, manager, profile, extranet, groups,
 * roles, password and state, and the new record or the change (with its audit changes) it
 * would write. The rules that span rows are checked afterwards (claims.ts, managers.ts).
 */
import type { Changes } from '../../audit/record.ts';
import { isSupportedHash } from '../../auth/passwords.ts';
import type * as repo from '../../store/people-repo.ts';
import type { PersonRow, PersonRowUpdate } from '../../store/schema.ts';
import type { FieldError } from '../errors.ts';
import { nameKey, usernameKey } from '../normalize.ts';
import { forbiddenOwnedFields } from '../ownership.ts';
import { passwordProblem } from '../password-policy.ts';
import {
  addDerivedColumns,
  newPersonRow,
  checkPersonFields,
  tidy,
  TEXT_FIELDS,
} from '../person.ts';
import { stateTransition } from '../state.ts';
import type { BatchServices, Context } from './context.ts';
import type { BatchRow, Planned } from './types.ts';

function ownedStateError(directory: string | undefined): FieldError {
  return {
    field: 'state',
    message: `Blocked by the directory "${directory ?? '?'}"; only that directory can unblock this account.`,
  };
}

function namesFor(ids: number[], m: Map<number, string>): string[] {
  return ids.map((id) => m.get(id) ?? `#${id}`).sort((a, b) => a.localeCompare(b));
}

/** One row planned in full: its outcome, and the record or change it would write. */
export async function planRow(
  s: BatchServices,
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

  const profile = await s.profileFields.validate(
    fields.profile ?? {},
    current ? (JSON.parse(current.profile) as Record<string, unknown>) : {},
    errors,
    db,
    defs,
  );
  if (!current) await s.profileFields.requireAll(profile, errors, db, defs);
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
    // One plain loop (each name's key made once): this runs twice a row on each pass.
    const ids: number[] = [];
    let unknown: string[] | undefined;
    for (const n of names) {
      const id = m.get(nameKey(n));
      if (id === undefined) (unknown ??= []).push(n);
      else if (!ids.includes(id)) ids.push(id);
    }
    if (unknown)
      errors.push({
        field,
        message: `Unknown ${what}: ${unknown.join(', ')}. Create them first.`,
      });
    return ids.sort((a, b) => a - b);
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
        user_code: fields.user_code,
        firstname: fields.firstname,
        surname: fields.surname,
        email: fields.email,
        job_title: fields.job_title,
        department: fields.department,
        office: fields.office,
        phone: fields.phone,
        mobile: fields.mobile,
        manager_id: managerId,
        extranet_id: extranetId,
        state,
        blocked_by:
          state === 'blocked' ? (actor.directoryId !== undefined ? 'directory' : 'admin') : null,
        blocked_by_person_id: state === 'blocked' ? actor.personId : null,
        directory_id: actor.directoryId ?? null,
        password_authority: actor.directoryId !== undefined ? 'directory' : 'local',
        password_hash: input.password_hash ?? null,
        must_change_password: fields.must_change_password,
        origin: actor.gate,
        origin_source: null,
        profile,
      },
      s.opts.emailUnique,
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
    addDerivedColumns(update, current, s.opts.emailUnique);
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
