/**
 * Every SCIM error leaves in the SCIM error schema (RFC 7644 §3.12) with the scimType of its
 * catalogue type: malformed and oversized bodies, unknown routes and server faults too.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorType } from '../../core/errors.ts';
import { toPayload } from '../api/errors.ts';
import { SCIM_CONTENT_TYPE } from './serialise.ts';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

const SCIM_TYPE: Partial<Record<ErrorType, string>> = {
  scim_invalid_filter: 'invalidFilter',
  scim_invalid_syntax: 'invalidSyntax',
  scim_invalid_path: 'invalidPath',
  scim_no_target: 'noTarget',
  scim_invalid_value: 'invalidValue',
  scim_mutability: 'mutability',
  scim_too_many: 'tooMany',
  scim_invalid_version: 'invalidVers',
  scim_uniqueness: 'uniqueness',
  username_taken: 'uniqueness',
  email_taken: 'uniqueness',
  user_code_taken: 'uniqueness',
  name_taken: 'uniqueness',
  external_identity_taken: 'uniqueness',
  validation_failed: 'invalidValue',
  bad_request: 'invalidSyntax',
  json_forbidden_key: 'invalidSyntax',
  field_owned_by_directory: 'mutability',
};

declare module 'fastify' {
  interface FastifyRequest {
    /** The error sentence of this request, for the directory's request log. */
    scimError?: string;
  }
}

export function scimErrorBody(
  type: ErrorType,
  status: number,
  detail: string,
): Record<string, unknown> {
  const scimType = SCIM_TYPE[type];
  return {
    schemas: [ERROR_SCHEMA],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail,
  };
}

export function scimErrorHandler(
  err: unknown,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const p = toPayload(err);
  // Fastify's own JSON parse errors are syntax errors of the request, said as such.
  if (p.code >= 500) req.log.error({ err }, 'SCIM request failed');
  req.scimError = p.error;
  let body = scimErrorBody(p.type, p.code, p.error);
  if (p.fields && p.fields.length > 0)
    body = {
      ...body,
      detail: `${p.error} ${p.fields.map((f) => `${f.field}: ${f.message}`).join(' ')}`,
    };
  return reply.code(p.code).type(SCIM_CONTENT_TYPE).send(body);
}
