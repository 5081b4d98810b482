/**
 * A Group PATCH split in two: what it does to `members`, as additions and removals (or a
 * whole new list for replace), and the rest (displayName, externalId) for the PATCH engine.
 * A 10,000-member group is never read into a list to be edited and written back.
 */
import { fail } from '../../core/errors.ts';
import { parseValueFilter, type FilterNode } from './filter/parse.ts';
import { keyOf, type Json, type PatchOp } from './patch.ts';

export interface MemberPlan {
  /** A whole new list (replace members, or remove all then add). */
  set: Set<string> | null;
  add: Set<string>;
  remove: Set<string>;
}

function memberIds(value: Json | undefined, what: string): string[] {
  const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  return list.map((m) => {
    if (typeof m === 'object' && m !== null && !Array.isArray(m)) {
      const v = m[keyOf(m, 'value') ?? 'value'];
      if (typeof v === 'string' && v !== '') return v;
    }
    fail('scim_invalid_value', `Each member to ${what} needs "value": the user's id.`);
  });
}

/** The ids a `members[value eq "a" or value eq "b"]` filter names; other filters are refused. */
function idsOfFilter(f: FilterNode): string[] {
  if (f.kind === 'or') return [...idsOfFilter(f.left), ...idsOfFilter(f.right)];
  if (
    f.kind === 'compare' &&
    f.op === 'eq' &&
    f.attr.path === 'value' &&
    typeof f.value === 'string'
  )
    return [f.value];
  fail('scim_invalid_path', 'Members are picked by id only: members[value eq "<user id>"].');
}

function isMembersPath(path: string): boolean {
  return /^(urn:ietf:params:scim:schemas:core:2\.0:Group:)?members(\[|$|\.)/i.test(path);
}

export function splitGroupPatch(ops: PatchOp[]): { plan: MemberPlan; rest: PatchOp[] } {
  const plan: MemberPlan = { set: null, add: new Set(), remove: new Set() };
  const add = (ids: string[]) => {
    for (const id of ids) {
      plan.remove.delete(id);
      if (plan.set) plan.set.add(id);
      else plan.add.add(id);
    }
  };
  const remove = (ids: string[]) => {
    for (const id of ids) {
      plan.add.delete(id);
      if (plan.set) plan.set.delete(id);
      else plan.remove.add(id);
    }
  };
  const replace = (ids: string[]) => {
    plan.set = new Set(ids);
    plan.add.clear();
    plan.remove.clear();
  };
  const rest: PatchOp[] = [];
  for (const op of ops) {
    if (op.path === undefined) {
      const value = op.value;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        rest.push(op);
        continue;
      }
      const key = keyOf(value, 'members');
      if (key === undefined) {
        rest.push(op);
        continue;
      }
      const ids = memberIds(value[key], op.op);
      if (op.op === 'add') add(ids);
      else replace(ids);
      const others = Object.fromEntries(Object.entries(value).filter(([k]) => k !== key));
      if (Object.keys(others).length > 0) rest.push({ ...op, value: others });
      continue;
    }
    if (!isMembersPath(op.path)) {
      rest.push(op);
      continue;
    }
    const bracket = op.path.indexOf('[');
    if (bracket >= 0) {
      const close = op.path.lastIndexOf(']');
      if (close < bracket || close !== op.path.length - 1)
        fail('scim_invalid_path', `The path "${op.path}" is not valid for members.`);
      if (op.op !== 'remove')
        fail('scim_invalid_path', 'Members are added with path "members" and a list of values.');
      let filter: FilterNode;
      try {
        filter = parseValueFilter(op.path.slice(bracket + 1, close), 'Group', 'members');
      } catch (err) {
        fail('scim_invalid_path', `The path "${op.path}" is not valid: ${(err as Error).message}`);
      }
      remove(idsOfFilter(filter));
      continue;
    }
    if (/\./.test(op.path.replace(/^urn:[^]*:Group:/i, '')))
      fail('scim_invalid_path', `"${op.path}": a member's sub-attributes cannot be changed.`);
    if (op.op === 'add') add(memberIds(op.value, 'add'));
    else if (op.op === 'replace') replace(memberIds(op.value, 'set'));
    // Entra: a remove of "members" with values removes those members only; without, all.
    else if (op.value === undefined || op.value === null) replace([]);
    else remove(memberIds(op.value, 'remove'));
  }
  return { plan, rest };
}
