/**
 * SCIM PATCH (RFC 7644 §3.5.2) as a pure function on a resource's JSON: add, replace and
 * remove, with or without a path, value-filtered paths, multi-valued attributes — and what
 * Okta and Entra ID really send: capitalised ops, "True"/"False" for booleans, path-less
 * values with dotted keys and extension URNs, `members[value eq "…"]`, and Entra's remove
 * of `members` with a value list (those members only, not all of them).
 */
import { fail } from '../../core/errors.ts';
import { ENTERPRISE_SCHEMA, coreSchemaOf, type ResourceKind } from './attributes.ts';
import { parseValueFilter, type FilterNode, type Literal } from './filter/parse.ts';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface PatchOp {
  op: 'add' | 'replace' | 'remove';
  path?: string | undefined;
  value?: Json | undefined;
}

export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const READ_ONLY = new Set(['id', 'meta', 'groups', 'schemas']);
const BOOLEAN_ATTRS = new Set(['active', 'primary']);
const MULTI: Record<ResourceKind, Set<string>> = {
  User: new Set([
    'emails',
    'phonenumbers',
    'addresses',
    'ims',
    'photos',
    'entitlements',
    'roles',
    'x509certificates',
  ]),
  Group: new Set(['members']),
};

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The key of `obj` equal to `name` ignoring case (attribute names are case-insensitive). */
export function keyOf(obj: JsonObject, name: string): string | undefined {
  if (name in obj) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/** Entra sends booleans as "True"/"False"; everywhere a boolean goes, both are taken. */
export function booleanOf(v: Json | undefined): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return undefined;
}

/** Turns "True"/"False" into booleans for boolean attributes, recursively. */
export function normaliseBooleans(v: Json, key = ''): Json {
  if (Array.isArray(v)) return v.map((x) => normaliseBooleans(x, key));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = normaliseBooleans(x, k);
    return out;
  }
  if (BOOLEAN_ATTRS.has(key.toLowerCase())) return booleanOf(v) ?? v;
  return v;
}

/** Reads and checks a PatchOp request body. */
export function readPatchBody(body: unknown): PatchOp[] {
  if (!isObject(body)) fail('scim_invalid_syntax', 'The PATCH body must be a JSON object.');
  const ops = body[keyOf(body, 'Operations') ?? 'Operations'];
  if (!Array.isArray(ops) || ops.length === 0)
    fail('scim_invalid_syntax', 'The PATCH body needs "Operations": a list of operations.');
  if (ops.length > 10_000) fail('scim_too_many', 'At most 10,000 operations in one PATCH.');
  return ops.map((o, i) => {
    if (!isObject(o)) fail('scim_invalid_syntax', `Operation ${i + 1} is not an object.`);
    const opName = o[keyOf(o, 'op') ?? 'op'];
    const op = typeof opName === 'string' ? opName.toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      fail('scim_invalid_syntax', `Operation ${i + 1}: "op" must be add, replace or remove.`);
    const path = o[keyOf(o, 'path') ?? 'path'];
    if (path !== undefined && (typeof path !== 'string' || path.trim() === ''))
      fail('scim_invalid_path', `Operation ${i + 1}: "path" must be a non-empty string.`);
    const value = o[keyOf(o, 'value') ?? 'value'];
    if (op !== 'remove' && value === undefined)
      fail('scim_invalid_value', `Operation ${i + 1}: ${op} needs a "value".`);
    // The attribute a value goes to names whether it is a boolean: "active", "….primary".
    const last =
      typeof path === 'string'
        ? (path
            .replace(/\[.*\]/, '')
            .split(/[.:]/)
            .pop() ?? '')
        : '';
    return {
      op,
      path: path?.trim(),
      value: value === undefined ? undefined : normaliseBooleans(value, last),
    };
  });
}

/** A PATCH path: in which object (the core or an extension), which attribute, filter, sub-attribute. */
export interface ParsedPath {
  schema: string | null;
  attr: string;
  filter: FilterNode | null;
  sub: string | null;
}

const NAME = /^[A-Za-z][A-Za-z0-9_$-]*$/;

export function parsePath(path: string, kind: ResourceKind): ParsedPath {
  let rest = path;
  let schema: string | null = null;
  const core = coreSchemaOf(kind);
  for (const urn of [core, ENTERPRISE_SCHEMA]) {
    if (rest.toLowerCase().startsWith(urn.toLowerCase() + ':')) {
      schema = urn === core ? null : urn;
      rest = rest.slice(urn.length + 1);
    }
  }
  if (schema === null && rest.toLowerCase() === ENTERPRISE_SCHEMA.toLowerCase())
    return { schema: ENTERPRISE_SCHEMA, attr: '', filter: null, sub: null };
  let filter: FilterNode | null = null;
  let sub: string | null = null;
  const bracket = rest.indexOf('[');
  let attr: string;
  if (bracket >= 0) {
    const close = rest.lastIndexOf(']');
    if (close < bracket) fail('scim_invalid_path', `The path "${path}" has a "[" without "]".`);
    attr = rest.slice(0, bracket);
    const after = rest.slice(close + 1);
    if (after !== '' && !/^\.[A-Za-z][A-Za-z0-9_$-]*$/.test(after))
      fail('scim_invalid_path', `The path "${path}" has something unexpected after "]".`);
    if (after) sub = after.slice(1);
    if (schema !== null || !MULTI[kind].has(attr.toLowerCase()))
      fail('scim_invalid_path', `"${attr}" is not multi-valued, so "${path}" cannot filter it.`);
    try {
      filter = parseValueFilter(rest.slice(bracket + 1, close), kind, attr);
    } catch (err) {
      fail('scim_invalid_path', `The path "${path}" is not valid: ${(err as Error).message}`);
    }
  } else {
    const parts = rest.split('.');
    if (parts.length > 2) fail('scim_invalid_path', `The path "${path}" is not valid.`);
    attr = parts[0]!;
    sub = parts[1] ?? null;
  }
  if (!NAME.test(attr) || (sub !== null && !NAME.test(sub)))
    fail('scim_invalid_path', `The path "${path}" is not an attribute path.`);
  if (schema === null && READ_ONLY.has(attr.toLowerCase()))
    fail('scim_mutability', `"${attr}" is read-only.`);
  return { schema, attr, filter, sub };
}

/** Whether a value of a multi-valued attribute matches a value filter (sub-attribute names). */
export function matches(item: Json, f: FilterNode): boolean {
  switch (f.kind) {
    case 'and':
      return matches(item, f.left) && matches(item, f.right);
    case 'or':
      return matches(item, f.left) || matches(item, f.right);
    case 'not':
      return !matches(item, f.node);
    case 'valuePath':
      return false;
    case 'present': {
      if (!isObject(item)) return false;
      const v = item[keyOf(item, f.attr.path) ?? ''];
      return v !== undefined && v !== null && v !== '';
    }
    case 'compare': {
      const raw = isObject(item) ? item[keyOf(item, f.attr.path) ?? ''] : undefined;
      const v = f.attr.type === 'boolean' ? (booleanOf(raw) ?? false) : raw;
      return compare(v, f.op, f.value, f.attr.caseExact);
    }
  }
}

function compare(v: Json | undefined, op: string, want: Literal, exact: boolean): boolean {
  if (want === null)
    return op === 'eq' ? v === undefined || v === null : v !== undefined && v !== null;
  if (v === undefined || v === null) return op === 'ne';
  if (typeof want === 'boolean' || typeof v === 'boolean') {
    return op === 'eq' ? v === want : op === 'ne' ? v !== want : false;
  }
  if (typeof v === 'object') return false; // a complex value compares to no literal
  let a = String(v);
  let b = String(want);
  if (!exact) {
    a = a.toLowerCase();
    b = b.toLowerCase();
  }
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
  return false;
}

/** The sub-attribute values a simple `type eq "work"` filter implies, for a value it creates. */
function impliedValue(f: FilterNode): JsonObject | null {
  if (f.kind === 'compare' && f.op === 'eq' && f.value !== null) return { [f.attr.path]: f.value };
  if (f.kind === 'and') {
    const l = impliedValue(f.left);
    const r = impliedValue(f.right);
    return l && r ? { ...l, ...r } : null;
  }
  return null;
}

function containerOf(
  resource: JsonObject,
  schema: string | null,
  create: boolean,
): JsonObject | null {
  if (schema === null) return resource;
  const k = keyOf(resource, schema);
  const found = k === undefined ? undefined : resource[k];
  if (isObject(found)) return found;
  if (!create) return null;
  const made: JsonObject = {};
  resource[schema] = made;
  return made;
}

function asList(v: Json | undefined): Json[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

function sameValue(a: Json, b: Json): boolean {
  if (isObject(a) && isObject(b) && 'value' in a && 'value' in b) return a.value === b.value;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A multi-valued attribute has at most one primary value: the newest one given wins. */
function onePrimary(list: Json[]): Json[] {
  let seen = false;
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i];
    if (isObject(item) && item.primary === true) {
      if (seen) item.primary = false;
      seen = true;
    }
  }
  return list;
}

function applyOne(resource: JsonObject, op: PatchOp, kind: ResourceKind): void {
  if (op.path === undefined) {
    if (op.op === 'remove') fail('scim_no_target', 'A remove operation needs a "path".');
    if (!isObject(op.value))
      fail('scim_invalid_value', `A ${op.op} without a path needs an object as its value.`);
    for (const [key, value] of Object.entries(op.value)) {
      // Okta repeats the id (and some clients meta) in path-less values: not a change.
      if (READ_ONLY.has(key.toLowerCase()) && key.toLowerCase() !== 'groups') continue;
      // An extension's attributes given as one object: each is its own path.
      if (key.toLowerCase() === ENTERPRISE_SCHEMA.toLowerCase() && isObject(value)) {
        for (const [k, v] of Object.entries(value))
          applyOne(resource, { op: op.op, path: `${ENTERPRISE_SCHEMA}:${k}`, value: v }, kind);
        continue;
      }
      // A complex attribute given whole under "add" merges into what is there (name: {…}).
      const existingKey = keyOf(resource, key);
      if (
        op.op === 'add' &&
        isObject(value) &&
        existingKey !== undefined &&
        isObject(resource[existingKey])
      ) {
        for (const [k, v] of Object.entries(value))
          applyOne(resource, { op: 'add', path: `${key}.${k}`, value: v }, kind);
        continue;
      }
      applyOne(resource, { op: op.op, path: key, value }, kind);
    }
    return;
  }
  const p = parsePath(op.path, kind);
  const container = containerOf(resource, p.schema, op.op !== 'remove');
  if (p.attr === '') {
    // The whole extension: "path": "urn:…:enterprise:2.0:User".
    if (op.op === 'remove') {
      const k = keyOf(resource, ENTERPRISE_SCHEMA);
      if (k) delete resource[k];
      return;
    }
    if (!isObject(op.value)) fail('scim_invalid_value', 'The extension needs an object value.');
    for (const [k, v] of Object.entries(op.value))
      applyOne(resource, { op: op.op, path: `${ENTERPRISE_SCHEMA}:${k}`, value: v }, kind);
    return;
  }
  if (!container) return; // removing from an extension that is not there: nothing to do
  const key = keyOf(container, p.attr) ?? p.attr;
  const multi = p.schema === null && MULTI[kind].has(p.attr.toLowerCase());

  if (p.filter) {
    const list = asList(container[key]);
    const hits = list.filter((item) => matches(item, p.filter!));
    if (op.op === 'remove') {
      if (p.sub === null) container[key] = list.filter((item) => !hits.includes(item));
      else for (const item of hits) if (isObject(item)) delete item[keyOf(item, p.sub) ?? p.sub];
      const left = container[key];
      if (Array.isArray(left) && left.length === 0) delete container[key];
      return;
    }
    if (hits.length === 0) {
      // Entra and Okta "add" (and sometimes "replace") emails[type eq "work"].value on a
      // user without one: the filter names the value to make.
      const implied = impliedValue(p.filter);
      if (!implied)
        fail('scim_no_target', `No value of "${p.attr}" matches the path "${op.path}".`);
      const made: Json =
        p.sub === null
          ? { ...implied, ...(isObject(op.value) ? op.value : {}) }
          : { ...implied, [p.sub]: op.value ?? null };
      container[key] = onePrimary([...list, made]);
      return;
    }
    for (const item of hits) {
      if (!isObject(item)) continue;
      if (p.sub !== null) item[keyOf(item, p.sub) ?? p.sub] = op.value ?? null;
      else if (isObject(op.value)) {
        if (op.op === 'replace') for (const k of Object.keys(item)) delete item[k];
        Object.assign(item, op.value);
      }
    }
    container[key] = onePrimary(list);
    return;
  }

  if (p.sub !== null) {
    if (multi)
      fail(
        'scim_invalid_path',
        `"${p.attr}" is multi-valued: filter it, as ${p.attr}[type eq "work"].${p.sub}.`,
      );
    const parent = container[key];
    if (op.op === 'remove') {
      if (isObject(parent)) delete parent[keyOf(parent, p.sub) ?? p.sub];
      return;
    }
    const obj = isObject(parent) ? parent : {};
    obj[keyOf(obj, p.sub) ?? p.sub] = op.value ?? null;
    container[key] = obj;
    return;
  }

  if (op.op === 'remove') {
    // Entra: {"op":"Remove","path":"members","value":[{"value":"id"}]} removes those only.
    if (multi && op.value !== undefined && op.value !== null) {
      const drop = asList(op.value);
      const kept = asList(container[key]).filter((item) => !drop.some((d) => sameValue(item, d)));
      if (kept.length > 0) container[key] = kept;
      else delete container[key];
    } else delete container[key];
    return;
  }
  if (multi) {
    const given = asList(op.value);
    if (op.op === 'replace') container[key] = onePrimary(given);
    else {
      const list = asList(container[key]);
      for (const v of given) if (!list.some((x) => sameValue(x, v))) list.push(v);
      container[key] = onePrimary(list);
    }
    return;
  }
  container[key] = op.value ?? null;
}

/** Applies the operations in order to a copy of the resource and answers the copy. */
export function applyPatch(resource: JsonObject, ops: PatchOp[], kind: ResourceKind): JsonObject {
  const copy = structuredClone(resource);
  for (const op of ops) applyOne(copy, op, kind);
  return copy;
}
