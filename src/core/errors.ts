/**
 * The error catalogue: every error a client can see has a stable `type`, an HTTP status and
 * a sentence that says what to do. Gates translate these; they never invent their own.
 */

export interface FieldError {
  field: string;
  message: string;
}

const CATALOGUE = {
  validation_failed: {
    status: 400,
    message: 'Some fields are not valid; see "fields" for each one.',
  },
  bad_request: { status: 400, message: 'The request is not valid.' },
  unauthenticated: { status: 401, message: 'You are not authorized to carry out that request' },
  invalid_credentials: {
    status: 401,
    message: 'The username or password is not correct. Check both and try again.',
  },
  password_change_required: {
    status: 403,
    message: 'Your password must be changed before you continue. Set a new password first.',
  },
  forbidden: {
    status: 403,
    message: 'You do not have permission to do that. Ask a People administrator.',
  },
  csrf_failed: {
    status: 403,
    message: 'The request lacks a valid CSRF token. Reload the page and try again.',
  },
  account_blocked: {
    status: 403,
    message: 'This account is blocked. Contact a People administrator.',
  },
  account_frozen: {
    status: 403,
    message:
      'This account is locked after too many failed sign-ins. Try again later or ask an administrator to unfreeze it.',
  },
  not_found: { status: 404, message: 'No such resource. Check the id in the URL.' },
  route_not_found: {
    status: 404,
    message: 'No such endpoint. See /api/people/v2/openapi.json for the list.',
  },
  method_not_allowed: { status: 405, message: 'That method is not allowed here.' },
  username_taken: {
    status: 409,
    message: 'Another account already has this username. Choose another.',
  },
  user_code_taken: {
    status: 409,
    message: 'Another account already has this user code. Choose another.',
  },
  email_taken: {
    status: 409,
    message: 'Another account already has this email address. Use another.',
  },
  name_taken: { status: 409, message: 'Another item already has this name. Choose another.' },
  external_identity_taken: {
    status: 409,
    message: 'This external identity is already linked to another account.',
  },
  conflict: {
    status: 409,
    message: 'The request conflicts with the current state of the resource.',
  },
  field_owned_by_directory: {
    status: 409,
    message:
      'These fields are managed by the user directory that syncs this account; change them there.',
  },
  manager_cycle: {
    status: 409,
    message:
      'That manager would make a loop in the org chart (a person would manage themself). Choose another manager.',
  },
  group_cycle: {
    status: 409,
    message: 'That parent would make a loop of groups. Choose another parent.',
  },
  in_use: { status: 409, message: 'This item is still in use; remove its uses first.' },
  precondition_failed: {
    status: 412,
    message:
      'The resource has changed since you read it (If-Match does not match). Fetch it again and retry.',
  },
  precondition_required: { status: 428, message: 'This request needs an If-Match header.' },
  payload_too_large: {
    status: 413,
    message: 'The request body is too large. Send less data at once.',
  },
  unsupported_media_type: {
    status: 415,
    message: 'Send the body as application/json (or multipart/form-data for files).',
  },
  rate_limited: { status: 429, message: 'Too many requests. Wait a minute and try again.' },
  import_file_invalid: {
    status: 400,
    message:
      'The file cannot be imported as it is; see "fields" for each problem. Nothing was applied.',
  },
  password_too_weak: { status: 400, message: 'The password does not meet the password policy.' },
  secret_key_missing: {
    status: 500,
    message:
      'Secrets cannot be saved: GATEHOUSE_SECRET_KEY is not set. On PostgreSQL every node needs the same key; make one with `openssl rand -hex 32`, set it on every node, restart, and save again.',
  },
  secret_key_wrong: {
    status: 500,
    message:
      'Stored secrets cannot be read with this server\'s GATEHOUSE_SECRET_KEY. Start the server with the key they were saved with.',
  },
  internal: {
    status: 500,
    message: 'Something went wrong on the server. Try again; if it persists, check the server log.',
  },
  unavailable: { status: 503, message: 'The database is not reachable. Try again shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorType = keyof typeof CATALOGUE;

export class GatehouseError extends Error {
  override name = 'GatehouseError';
  readonly status: number;
  constructor(
    readonly type: ErrorType,
    message?: string,
    readonly fields?: FieldError[],
    readonly details?: Record<string, unknown>,
  ) {
    super(message ?? CATALOGUE[type].message);
    this.status = CATALOGUE[type].status;
  }
}

export function fail(
  type: ErrorType,
  message?: string,
  extra?: { fields?: FieldError[]; details?: Record<string, unknown> },
): never {
  throw new GatehouseError(type, message, extra?.fields, extra?.details);
}

export function defaultMessage(type: ErrorType): string {
  return CATALOGUE[type].message;
}

export function statusOf(type: ErrorType): number {
  return CATALOGUE[type].status;
}

export const ERROR_TYPES = Object.keys(CATALOGUE) as ErrorType[];
