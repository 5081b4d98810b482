/**
 * Request validation. Bodies are checked strictly (no type coercion, no unknown properties
 * silently dropped: they are errors); query strings and path parameters are coerced, since
 * everything in a URL is a string.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError } from '../../core/errors.ts';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = addFormatsModule as unknown as AddFormats;

function make(coerce: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: coerce ? 'array' : false, removeAdditional: false, useDefaults: true, strict: false });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = make(false);
const urlAjv = make(true);

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : urlAjv;
  return ajv.compile(schema) as ValidateFunction;
};

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns Ajv's errors into field errors a person can act on. */
export function fieldErrors(issues: AjvIssue[], part: string): FieldError[] {
  const out: FieldError[] = [];
  for (const e of issues) {
    const base = (e.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const prefix = part === 'body' ? '' : `${part}.`;
    if (e.keyword === 'additionalProperties') {
      const name = String(e.params?.additionalProperty);
      out.push({ field: prefix + (base ? `${base}.${name}` : name), message: 'Unknown property; remove it (see the API documentation for the allowed ones).' });
    } else if (e.keyword === 'required') {
      const name = String(e.params?.missingProperty);
      out.push({ field: prefix + (base ? `${base}.${name}` : name), message: 'Required.' });
    } else if (e.keyword === 'type') {
      out.push({ field: prefix + (base || part), message: `Must be ${String(e.params?.type)}.` });
    } else if (e.keyword === 'enum') {
      out.push({ field: prefix + (base || part), message: `Must be one of: ${(e.params?.allowedValues as unknown[]).join(', ')}.` });
    } else {
      out.push({ field: prefix + (base || part), message: e.message ? e.message.charAt(0).toUpperCase() + e.message.slice(1) + '.' : 'Not valid.' });
    }
  }
  // anyOf/nullable produce one error per branch; keep the first per field.
  const seen = new Set<string>();
  return out.filter((f) => (seen.has(f.field + f.message) ? false : (seen.add(f.field + f.message), true)));
}
