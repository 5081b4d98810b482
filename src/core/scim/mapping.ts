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

/** The values of a multi-valued attribute, as objects. */
function valuesOf(resource: JsonObject, attr: string): JsonObject[] {
  const v = resource[keyOf(resource, attr) ?? attr];
  return Array.isArray(v) ? v.filter(isObject) : [];
}

/** The one value a field takes from a multi-valued attribute: the primary, else work, else the first. */
function preferred(list: JsonObject[]): string | undefined {
  const pick =
    list.find((x) => booleanOf(x.primary) === true) ??
    list.find((x) => typeof x.type === 'string' && x.type.toLowerCase() === 'work') ??
    list[0];
  return pick ? text(pick.value) : undefined;
}

/**
 * Reads one mapping path from a resource: `title`, `name.givenName`, `emails`,
 * `phoneNumbers[type eq "mobile"].value`, `urn:…:enterprise:2.0:User:department`.
 */
export function readPath(resource: JsonObject, path: string): string | undefined {
  let container: JsonObject = resource;
  let rest = path;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    const urn = path.slice(0, colon);
    const ext = resource[keyOf(resource, urn) ?? urn];
    if (!isObject(ext)) return undefined;
    container = ext;
    rest = path.slice(colon + 1);
  }
  const filtered = /^([A-Za-z]+)\[type eq "([^"]*)"\]\.([A-Za-z]+)$/i.exec(rest);
  if (filtered) {
    const [, attr, type, sub] = filtered as unknown as [string, string, string, string];
    const hit = valuesOf(container, attr).find(
      (x) => typeof x.type === 'string' && x.type.toLowerCase() === type.toLowerCase(),
    );
    return hit ? text(hit[keyOf(hit, sub) ?? sub]) : undefined;
  }
  const [attr, sub] = rest.split('.') as [string, string | undefined];
  if (MULTI.has(attr.toLowerCase())) {
    const list = valuesOf(container, attr);
    return sub === undefined || sub === 'value' ? preferred(list) : undefined;
  }
  const v = container[keyOf(container, attr) ?? attr];
  if (sub === undefined) return text(v);
  return isObject(v) ? text(v[keyOf(v, sub) ?? sub]) : undefined;
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
  for (const [target, path] of Object.entries(mapping)) {
    const v = readPath(resource, path);
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
];

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
  for (const path of SCALARS) {
    const v = readPath(resource, path);
    if (v !== undefined && v !== '')
      add(path.replace('manager.value', 'manager.value'), v, null, false);
  }
  for (const attr of ['emails', 'phoneNumbers']) {
    for (const item of valuesOf(resource, attr).slice(0, 50)) {
      const v = text(item.value);
      if (v === undefined) continue;
      add(
        attr,
        v,
        typeof item.type === 'string' ? item.type : null,
        booleanOf(item.primary) === true,
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
