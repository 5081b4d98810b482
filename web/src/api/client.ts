/**
 * The console's only way to the server: a typed People API client generated from the
 * OpenAPI document (schema.d.ts). Writes carry the session's CSRF token; errors come back
 * as ApiError with the server's field messages, so forms can show them at the fields.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type User = components['schemas']['User'];
export type NamedItem = components['schemas']['NamedItem'];
export type ImportReport = components['schemas']['ImportReport'];
export type Overview =
  paths['/api/people/v2/overview']['get']['responses'][200]['content']['application/json'];

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

let csrfToken = '';
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

type Listener = (error: ApiError) => void;
const listeners = new Set<Listener>();
/** Session-wide reactions (signed out elsewhere, must change password) subscribe here. */
export function onAuthError(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET' && request.method !== 'HEAD' && csrfToken)
      request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

export const client = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
client.use(csrf);

function isErrorBody(v: unknown): v is { error: string; type: string; fields?: FieldError[] } {
  return typeof v === 'object' && v !== null && 'error' in v && 'type' in v;
}

/** Awaits an openapi-fetch call and returns its data, or throws ApiError. */
export async function call<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await pending;
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection.');
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  const err = isErrorBody(error)
    ? new ApiError(response.status, error.type, error.error, error.fields ?? [])
    : new ApiError(response.status, 'internal', `The server answered ${response.status}.`);
  if (err.type === 'unauthenticated' || err.type === 'password_change_required')
    for (const l of listeners) l(err);
  throw err;
}

/** Field messages by field name, for a form's setErrors. */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  return Object.fromEntries(err.fields.map((f) => [f.field, f.message]));
}

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Something went wrong. Try again.';
}
