/**
 * SCIM resources as answered: the stored resource with id, meta (resourceType, created,
 * lastModified, location, version) and schemas, projected by `attributes` /
 * `excludedAttributes` (RFC 7644 §3.9), and ListResponse pages.
 */
import type { ScimGroupRow, ScimUserRow } from '../../store/scim-repo.ts';
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './attributes.ts';
import { keyOf, type Json, type JsonObject } from './patch.ts';
import { fail } from '../../core/errors.ts';

export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** The version an If-Match header names; undefined for none or "*"; a bad one is 412. */
export function ifMatchVersion(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const h = (Array.isArray(header) ? header[0] : header)?.trim() ?? '';
  if (h === '' || h === '*') return undefined;
  const m = /^(?:W\/)?"(\d{1,15})"$/.exec(h);
  if (!m) fail('precondition_failed');
  return Number(m[1]);
}

/**
 * The user as answered. `stored` is the row's resource already parsed: a create or replace
 * has it from the write, so it need not parse the JSON it has just made (not modified here).
 */
export function userResource(
  row: ScimUserRow,
  base: string,
  stored: JsonObject = JSON.parse(row.resource) as JsonObject,
): JsonObject {
  const schemas: Json[] = [USER_SCHEMA];
  if (keyOf(stored, ENTERPRISE_SCHEMA) !== undefined) schemas.push(ENTERPRISE_SCHEMA);
  const { [keyOf(stored, 'schemas') ?? 'schemas']: _schemas, ...rest } = stored;
  return {
    schemas,
    id: row.scim_id,
    ...rest,
    userName: row.user_name,
    active: row.active === 1,
    meta: {
      resourceType: 'User',
      created: row.created_at,
      lastModified: row.updated_at,
      location: `${base}/Users/${row.scim_id}`,
      version: etagOf(row.version),
    },
  };
}

export function groupResource(
  row: ScimGroupRow,
  base: string,
  members: { scim_id: string; display_name: string | null; user_name: string }[] | null,
): JsonObject {
  const out: JsonObject = {
    schemas: [GROUP_SCHEMA],
    id: row.scim_id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    displayName: row.display_name,
  };
  if (members !== null)
    out.members = members.map((m) => ({
      value: m.scim_id,
      display: m.display_name ?? m.user_name,
      $ref: `${base}/Users/${m.scim_id}`,
      type: 'User',
    }));
  out.meta = {
    resourceType: 'Group',
    created: row.created_at,
    lastModified: row.updated_at,
    location: `${base}/Groups/${row.scim_id}`,
    version: etagOf(row.version),
  };
  return out;
}

/** Attribute paths of `attributes=` / `excludedAttributes=`, without the core schema URN. */
export function attributeList(value: string | undefined, coreSchema: string): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '')
    .map((a) =>
      a.toLowerCase().startsWith(coreSchema.toLowerCase() + ':')
        ? a.slice(coreSchema.length + 1)
        : a,
    );
}

/** Splits "name.givenName" and "urn:…:User:department" into [container key, attribute, sub]. */
function split(path: string): { ext: string | null; attr: string; sub: string | null } {
  let ext: string | null = null;
  let rest = path;
  if (path.toLowerCase().startsWith(ENTERPRISE_SCHEMA.toLowerCase())) {
    ext = ENTERPRISE_SCHEMA;
    rest = path.slice(ENTERPRISE_SCHEMA.length + 1);
  }
  const [attr, sub] = rest.split('.') as [string, string | undefined];
  return { ext, attr, sub: sub ?? null };
}

const ALWAYS = new Set(['id', 'schemas']);

/** Applies attributes / excludedAttributes; id and schemas are always returned. */
export function project(resource: JsonObject, include: string[], exclude: string[]): JsonObject {
  if (include.length > 0) {
    const out: JsonObject = {};
    for (const k of Object.keys(resource)) if (ALWAYS.has(k)) out[k] = resource[k]!;
    for (const path of include) {
      const { ext, attr, sub } = split(path);
      const from = ext ? resource[ext] : resource;
      if (typeof from !== 'object' || from === null || Array.isArray(from)) continue;
      const key = attr === '' ? undefined : keyOf(from, attr);
      let target = out;
      if (ext) {
        if (attr === '') {
          out[ext] = from;
          continue;
        }
        target = (out[ext] ??= {}) as JsonObject;
      }
      if (key === undefined) continue;
      const v = from[key]!;
      if (sub === null) target[key] = v;
      else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        const sk = keyOf(v, sub);
        if (sk !== undefined) ((target[key] ??= {}) as JsonObject)[sk] = v[sk]!;
      } else if (Array.isArray(v))
        target[key] = v.map((item) => {
          if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
          const sk = keyOf(item, sub);
          return sk === undefined ? {} : { [sk]: item[sk]! };
        });
    }
    return out;
  }
  if (exclude.length === 0) return resource;
  const out = structuredClone(resource);
  for (const path of exclude) {
    const { ext, attr, sub } = split(path);
    const from = ext ? out[ext] : out;
    if (typeof from !== 'object' || from === null || Array.isArray(from)) continue;
    if (ext && attr === '') {
      delete out[ext];
      continue;
    }
    const key = keyOf(from, attr);
    if (key === undefined || ALWAYS.has(key)) continue;
    const v = from[key];
    if (sub === null) delete from[key];
    else if (typeof v === 'object' && v !== null && !Array.isArray(v))
      delete v[keyOf(v, sub) ?? sub];
  }
  return out;
}

export function listResponse(
  resources: JsonObject[],
  total: number,
  startIndex: number,
): JsonObject {
  return {
    schemas: [LIST_SCHEMA],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
