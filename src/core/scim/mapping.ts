/**
 * A SCIM User resource → the core's DirectoryEntry, through the directory's mapping
 * (Gatehouse field or profile.<name> → SCIM attribute path), and the rows that make the
 * resource filterable in SQL (scim_values). The default mapping is issue 9's.
 */
import type { DirectoryEntry, SyncableField } from '../sync/types.ts';
import { SYNCABLE_FIELDS } from '../sync/types.ts';
import { usernameKey } from '../normalize.ts';
import { fail } from '../errors.ts';
import type { ScimValueRow } from '../../store/scim-repo.ts';
import { ENTERPRISE_SCHEMA } from '../../gates/scim/attributes.ts';
import { booleanOf, keyOf, type Json, type JsonObject } from '../../gates/scim/patch.ts';

export const DEFAULT_SCIM_MAPPING: Readonly<Record<string, string>> = {
  firstname: 'name.givenName',
  surname: 'name.familyName',
  email: 'emails',
  job_title: 'title',
  phone: 'phoneNumbers[type eq "work"].value',
  mobile: 'phoneNumbers[type eq "mobile"].value',
  user_code: `${ENTERPRISE_SCHEMA}:employeeNumber`,
  department: `${ENTERPRISE_SCHEMA}:department`,
  manager_id: `${ENTERPRISE_SCHEMA}:manager`,
};

const MULTI = new Set(['emails', 'phonenumbers', 'addresses', 'ims', 'photos']);

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: Json | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isObject(v) && typeof v.value === 'string') return v.value; // manager: {value: "…"}
  return undefined;
}

/**
 * keyOf (patch.ts: the exact name, else the first key equal to it ignoring case) for one
 * resource that is only read: a create reads about thirty paths from it (the mapping's and
 * SCALARS), most of them absent, and listing and lower-casing an object's keys for each miss
 * was a third of the mapping's CPU (bench/scim.bench.ts, session 9). Each object's keys are
 * lower-cased once.
 */
class KeyIndex {
  private readonly lowered = new WeakMap<JsonObject, Map<string, string>>();

  keyOf(obj: JsonObject, name: string, lower: string): string | undefined {
    if (name in obj) return name;
    let keys = this.lowered.get(obj);
    if (!keys) {
      keys = new Map();
      for (const k of Object.keys(obj)) {
        const l = k.toLowerCase();
        if (!keys.has(l)) keys.set(l, k);
      }
      this.lowered.set(obj, keys);
    }
    return keys.get(lower);
  }
}

/** A name and its lower case (computed once per path, not per read). */
interface Name {
  name: string;
  lower: string;
}
const nameOf = (name: string): Name => ({ name, lower: name.toLowerCase() });
/** The sub-attributes of a multi-valued attribute's items, read in any case as the rest. */
const VALUE = nameOf('value');
const TYPE = nameOf('type');
const PRIMARY = nameOf('primary');

/** A mapping path taken apart once (see readPath for the forms). */
interface ParsedPath {
  urn: Name | null;
  attr: Name;
  /** `[type eq "…"]`, lower-cased. */
  type: string | null;
  sub: Name | null;
  multi: boolean;
}

function parsePath(path: string): ParsedPath {
  let urn: Name | null = null;
  let rest = path;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    urn = nameOf(path.slice(0, colon));
    rest = path.slice(colon + 1);
  }
  const filtered = /^([A-Za-z]+)\[type eq "([^"]*)"\]\.([A-Za-z]+)$/i.exec(rest);
  if (filtered) {
    const [, attr, type, sub] = filtered as unknown as [string, string, string, string];
    return { urn, attr: nameOf(attr), type: type.toLowerCase(), sub: nameOf(sub), multi: true };
  }
  const [attr, sub] = rest.split('.') as [string, string | undefined];
  return {
    urn,
    attr: nameOf(attr),
    type: null,
    sub: sub === undefined ? null : nameOf(sub),
    multi: MULTI.has(attr.toLowerCase()),
  };
}

/** Paths parsed so far: SCALARS and the directories' mappings, a few dozen in all. */
const parsed = new Map<string, ParsedPath>();
const PARSED_MAX = 1000;
function parsedPath(path: string): ParsedPath {
  let p = parsed.get(path);
  if (!p) {
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(path, (p = parsePath(path)));
  }
  return p;
}

function get(keys: KeyIndex, obj: JsonObject, n: Name): Json | undefined {
  return obj[keys.keyOf(obj, n.name, n.lower) ?? n.name];
}

/** The values of a multi-valued attribute, as objects. */
function valuesOf(keys: KeyIndex, resource: JsonObject, attr: Name): JsonObject[] {
  const v = get(keys, resource, attr);
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** An item's `type`, lower-cased, or null. */
function typeOf(keys: KeyIndex, item: JsonObject): string | null {
  const t = get(keys, item, TYPE);
  return typeof t === 'string' ? t.toLowerCase() : null;
}

/** The one value a field takes from a multi-valued attribute: the primary, else work, else the first. */
function preferred(keys: KeyIndex, list: JsonObject[]): string | undefined {
  const pick =
    list.find((x) => booleanOf(get(keys, x, PRIMARY)) === true) ??
    list.find((x) => typeOf(keys, x) === 'work') ??
    list[0];
  return pick ? text(get(keys, pick, VALUE)) : undefined;
}

function read(keys: KeyIndex, resource: JsonObject, path: ParsedPath): string | undefined {
  let container: JsonObject = resource;
  if (path.urn) {
    const ext = get(keys, resource, path.urn);
    if (!isObject(ext)) return undefined;
    container = ext;
  }
  const { attr, sub, type } = path;
  if (type !== null && sub) {
    const hit = valuesOf(keys, container, attr).find((x) => typeOf(keys, x) === type);
    return hit ? text(get(keys, hit, sub)) : undefined;
  }
  if (path.multi) {
    const list = valuesOf(keys, container, attr);
    return sub === null || sub.lower === 'value' ? preferred(keys, list) : undefined;
  }
  const v = get(keys, container, attr);
  if (sub === null) return text(v);
  return isObject(v) ? text(get(keys, v, sub)) : undefined;
}

/**
 * Reads one mapping path from a resource: `title`, `name.givenName`, `emails`,
 * `phoneNumbers[type eq "mobile"].value`, `urn:…:enterprise:2.0:User:department`.
 */
export function readPath(resource: JsonObject, path: string): string | undefined {
  return read(new KeyIndex(), resource, parsedPath(path));
}

export function userNameOf(resource: JsonObject): string {
  const v = resource[keyOf(resource, 'userName') ?? 'userName'];
  if (typeof v !== 'string' || v.trim() === '')
    fail('scim_invalid_value', 'A user needs "userName": a non-empty string.');
  return v.trim();
}

export function activeOf(resource: JsonObject): boolean {
  const v = resource[keyOf(resource, 'active') ?? 'active'];
  if (v === undefined || v === null) return true;
  const b = booleanOf(v);
  if (b === undefined) fail('scim_invalid_value', '"active" must be true or false.');
  return b;
}

/** The entry the core applies; every mapped field is set ('' when the IdP left it out). */
export function entryOf(
  resource: JsonObject,
  scimId: string,
  mapping: Readonly<Record<string, string>>,
): DirectoryEntry {
  const fields: Partial<Record<SyncableField, string>> = {};
  const profile: Record<string, string> = {};
  let manager: DirectoryEntry['manager'];
  const keys = new KeyIndex();
  for (const [target, path] of Object.entries(mapping)) {
    const v = read(keys, resource, parsedPath(path));
    if (target === 'manager_id') manager = v ? { kind: 'external_id', ref: v } : null;
    else if (target.startsWith('profile.')) profile[target.slice('profile.'.length)] = v ?? '';
    // An IdP that sends employeeNumber "" or drops it clears the user code: the core
    // stores an empty code as none.
    else if ((SYNCABLE_FIELDS as readonly string[]).includes(target))
      fields[target as SyncableField] = v ?? '';
  }
  return {
    externalId: scimId,
    username: userNameOf(resource),
    fields,
    profile,
    ...(manager !== undefined ? { manager } : {}),
    active: activeOf(resource),
  };
}

const SCALARS = [
  'name.formatted',
  'name.familyName',
  'name.givenName',
  'name.middleName',
  'name.honorificPrefix',
  'name.honorificSuffix',
  'nickName',
  'profileUrl',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  ...[
    'employeeNumber',
    'costCenter',
    'organization',
    'division',
    'department',
    'manager.value',
  ].map((a) => `${ENTERPRISE_SCHEMA}:${a}`),
].map((path) => ({ path, parsed: parsePath(path) }));

const MULTI_FILTERED = [nameOf('emails'), nameOf('phoneNumbers')];

/** The rows that let SQL filter on the resource's attributes (see scim-filter-sql.ts). */
export function filterRows(
  resource: JsonObject,
  scimId: string,
  directoryId: number,
): ScimValueRow[] {
  const rows: ScimValueRow[] = [];
  const add = (attr: string, value: string, type: string | null, primary: boolean) => {
    if (value.length > 2000) return; // not a value anyone filters on; keeps the index small
    rows.push({
      scim_id: scimId,
      directory_id: directoryId,
      seq: rows.length,
      attr,
      type: type === null ? null : usernameKey(type),
      is_primary: primary ? 1 : 0,
      value,
      value_key: usernameKey(value),
    });
  };
  const keys = new KeyIndex();
  for (const { path, parsed } of SCALARS) {
    const v = read(keys, resource, parsed);
    if (v !== undefined && v !== '') add(path, v, null, false);
  }
  for (const attr of MULTI_FILTERED) {
    for (const item of valuesOf(keys, resource, attr).slice(0, 50)) {
      const v = text(get(keys, item, VALUE));
      if (v === undefined) continue;
      const type = get(keys, item, TYPE);
      add(
        attr.name,
        v,
        typeof type === 'string' ? type : null,
        booleanOf(get(keys, item, PRIMARY)) === true,
      );
    }
  }
  return rows;
}

/** The resource as kept: no id, meta, password or read-only groups; schemas as given or the defaults. */
export function storedResource(resource: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(resource)) {
    const lower = k.toLowerCase();
    if (lower === 'id' || lower === 'meta' || lower === 'password' || lower === 'groups') continue;
    out[k] = v;
  }
  return out;
}
