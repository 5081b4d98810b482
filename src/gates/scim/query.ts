/** Reading SCIM query parameters (RFC 7644 §3.4.2): paging, attributes, the request body. */
import type { FastifyRequest } from 'fastify';
import { fail } from '../../core/errors.ts';
import { DEFAULT_COUNT, FILTER_MAX_RESULTS } from './limits.ts';
import type { JsonObject } from './patch.ts';

export type Query = Record<string, string | string[] | undefined>;

export function param(req: FastifyRequest, name: string): string | undefined {
  const q = req.query as Query;
  // Parameter names are case-insensitive in practice (Okta sends startIndex, some count/Count).
  const key = Object.keys(q).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : q[key];
  return Array.isArray(v) ? v[0] : v;
}

function integer(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^-?\d{1,12}$/.test(text)) fail('scim_invalid_value', `"${name}" must be a whole number.`);
  return Number(text);
}

/** startIndex is 1-based (below 1 counts as 1); count is capped at the maximum (below 0 as 0). */
export function paging(req: FastifyRequest): { startIndex: number; count: number } {
  const start = integer(param(req, 'startIndex'), 'startIndex') ?? 1;
  const count = integer(param(req, 'count'), 'count') ?? DEFAULT_COUNT;
  return {
    startIndex: Math.max(1, start),
    count: Math.min(FILTER_MAX_RESULTS, Math.max(0, count)),
  };
}

export function bodyObject(req: FastifyRequest): JsonObject {
  const b = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b))
    fail('scim_invalid_syntax', 'The body must be a JSON object (a SCIM resource).');
  return b as JsonObject;
}

/** A resource's "schemas", when given, must name the resource's core schema. */
export function checkSchemas(body: JsonObject, core: string): void {
  const s = body.schemas;
  if (s === undefined) return;
  if (
    !Array.isArray(s) ||
    !s.some((x) => typeof x === 'string' && x.toLowerCase() === core.toLowerCase())
  )
    fail('scim_invalid_syntax', `"schemas" must include "${core}".`);
}
