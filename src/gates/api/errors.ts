/** Every error leaves as {"code","error","type"} (plus "fields" for validation), never a stack trace. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  GatehouseError,
  defaultMessage,
  statusOf,
  type ErrorType,
  type FieldError,
} from '../../core/errors.ts';
import { fieldErrors } from './validation.ts';

export interface ErrorPayload {
  code: number;
  error: string;
  type: ErrorType;
  fields?: FieldError[];
  request_id?: string;
}

function payload(
  type: ErrorType,
  message?: string,
  fields?: FieldError[],
): Omit<ErrorPayload, 'request_id'> {
  return {
    code: statusOf(type),
    error: message ?? defaultMessage(type),
    type,
    ...(fields && fields.length > 0 ? { fields } : {}),
  };
}

/** Maps any thrown error onto the catalogue. */
export function toPayload(err: unknown): Omit<ErrorPayload, 'request_id'> {
  if (err instanceof GatehouseError) return payload(err.type, err.message, err.fields);
  const fe = err as Partial<FastifyError> & { validation?: unknown[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const fields = fieldErrors(fe.validation, fe.validationContext ?? 'body');
    const where =
      fe.validationContext === 'querystring'
        ? 'query parameters'
        : fe.validationContext === 'params'
          ? 'URL'
          : 'request body';
    return payload(
      'validation_failed',
      `Some fields in the ${where} are not valid: ${fields.map((f) => f.field).join(', ')}. See "fields" for each one.`,
      fields,
    );
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payload('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return payload('unsupported_media_type');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return payload(
        'bad_request',
        `The body is not valid JSON (${fe.message ?? 'parse error'}). Check quotes, commas and brackets.`,
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return payload('bad_request', 'The Content-Length header does not match the body.');
    case 'FST_REQ_FILE_TOO_LARGE':
      return payload('payload_too_large', 'The file is too large. Send a smaller one.');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return payload('unsupported_media_type', 'Send the file as multipart/form-data.');
  }
  if (fe.statusCode === 429) return payload('rate_limited');
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
    return payload('bad_request', fe.message);
  return payload('internal');
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = toPayload(err);
  if (body.code >= 500) req.log.error({ err }, 'request failed');
  return reply
    .code(body.code)
    .type('application/json')
    .send({ ...body, request_id: req.id });
}
