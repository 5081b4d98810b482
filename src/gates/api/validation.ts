/**
 * Request validation. Bodies are checked strictly (no type coercion, no unknown properties
 * silently dropped: they are errors); query strings and path parameters are coerced, since
 * everything in a URL is a string.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError } from '../../core/errors.ts';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = addFormatsModule as unknown as AddFormats;

function make(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = make(false);
const urlAjv = make(true);

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : urlAjv;
  return ajv.compile(schema);
};

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns Ajv's errors into one field error per field, in words a person can act on. */
export function fieldErrors(issues: AjvIssue[], part: string): FieldError[] {
  const prefix = part === 'body' ? '' : `${part}.`;
  const byField = new Map<string, { types: string[]; messages: string[] }>();
  const add = (field: string, kind: 'types' | 'messages', text: string) => {
    const entry = byField.get(field) ?? { types: [], messages: [] };
    if (!entry[kind].includes(text)) entry[kind].push(text);
    byField.set(field, entry);
  };
  for (const e of issues) {
    const base = (e.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const at = (name?: string) => prefix + [base, name].filter(Boolean).join('.') || prefix + part;
    switch (e.keyword) {
      case 'additionalProperties':
        add(
          at(String(e.params?.additionalProperty)),
          'messages',
          'Unknown property; remove it (the API documentation lists the allowed ones).',
        );
        break;
      case 'required':
        add(at(String(e.params?.missingProperty)), 'messages', 'Required.');
        break;
      case 'type':
        add(at(), 'types', String(e.params?.type));
        break;
      case 'const':
        add(at(), 'types', JSON.stringify(e.params?.allowedValue));
        break;
      case 'enum':
        add(
          at(),
          'messages',
          `Must be one of: ${(e.params?.allowedValues as unknown[]).join(', ')}.`,
        );
        break;
      case 'anyOf':
        break; // the branches' own errors say what was expected
      default:
        add(
          at(),
          'messages',
          e.message ? e.message.charAt(0).toUpperCase() + e.message.slice(1) + '.' : 'Not valid.',
        );
    }
  }
  return [...byField.entries()].map(([field, { types, messages }]) => ({
    field,
    message: messages.length > 0 ? messages.join(' ') : `Must be ${types.join(' or ')}.`,
  }));
}
