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
  // Fastify refuses these keys (prototype poisoning); said as such, not as a syntax error.
  json_forbidden_key: {
    status: 400,
    message:
      'The JSON body has a key named "__proto__", or "constructor" holding "prototype", which this server refuses for safety. Rename or remove that key.',
  },
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
  import_interrupted: {
    status: 500,
    message: 'The server stopped during this import; nothing of it was applied. Run it again.',
  },
  directory_owns_accounts: {
    status: 409,
    message:
      'This directory still owns accounts, so it cannot be deleted. Release them first (POST /directories/{id}/release makes them local accounts), then delete it.',
  },
  directory_type_mismatch: {
    status: 400,
    message: 'That operation or field is not for this type of directory.',
  },
  sync_in_progress: {
    status: 409,
    message:
      'A sync of this directory is already running (here or on another node). Wait for it to finish; its report is under /runs.',
  },
  directory_unreachable: {
    status: 503,
    message:
      'The user directory cannot be reached, so directory passwords cannot be checked now. Try again later or ask your IT team.',
  },
  directory_sign_in_refused: {
    status: 403,
    message:
      'The user directory refused this sign-in although the password is right; ask your IT team.',
  },
  password_managed_by_directory: {
    status: 409,
    message:
      "This account's password is kept by its user directory; change it there (or through your organisation's password tool).",
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
      "Stored secrets cannot be read with this server's GATEHOUSE_SECRET_KEY. Start the server with the key they were saved with.",
  },
  sso_provider_disabled: {
    status: 403,
    message:
      'Sign-in through this identity provider is turned off. Sign in another way or ask your login-handler administrators.',
  },
  sso_account_blocked: {
    status: 403,
    message: 'Your account is blocked; contact your People administrators.',
  },
  sso_account_frozen: {
    status: 403,
    message:
      'Your account is locked for now after too many failed sign-ins; try again later or contact your People administrators.',
  },
  sso_no_account: {
    status: 403,
    message:
      'No account exists for you, and this site does not create accounts at first login. Ask your People administrators for an account.',
  },
  sso_directories_present: {
    status: 403,
    message:
      'No account exists for you, and accounts on this site come from its user directory. Ask your IT team to add you to the directory, or your People administrators for an account.',
  },
  sso_directory_unavailable: {
    status: 503,
    message:
      'Your account could not be looked up in the user directory, which did not answer. Try again in a few minutes; if it persists, tell your IT team.',
  },
  sso_ambiguous_match: {
    status: 403,
    message:
      'Several accounts match your sign-in, so none was chosen. Ask your People administrators to make the matching value unique.',
  },
  sso_identity_conflict: {
    status: 403,
    message:
      'The matching account is already linked to another identity at this provider. Ask your login-handler administrators to check the link.',
  },
  sso_attribute_missing: {
    status: 403,
    message:
      'The identity provider did not send a value this site needs. Ask your login-handler administrators to check the attribute mapping.',
  },
  sso_provision_failed: {
    status: 403,
    message:
      'An account could not be created for you. Ask your People administrators; the reason is in the audit log.',
  },
  sso_login_invalid: {
    status: 400,
    message:
      'This sign-in could not be completed (it expired, was already used, or did not come from this site). Start again from the sign-in page.',
  },
  sso_login_other_browser: {
    status: 400,
    message:
      'This sign-in was started in another browser (or this browser did not keep the sign-in cookie), so it was not completed. Start again from the sign-in page in this browser, with cookies allowed for this site.',
  },
  sso_idp_error: {
    status: 502,
    message:
      'The identity provider did not complete the sign-in. Try again; if it persists, ask your login-handler administrators.',
  },
  saml_response_invalid: {
    status: 400,
    message:
      "The identity provider's answer could not be verified, so nobody was signed in. Start again from the sign-in page; if it keeps happening, ask your login-handler administrators (the server log names the reason).",
  },
  saml_metadata_invalid: {
    status: 400,
    message:
      'The SAML metadata could not be used. Check metadata_xml or metadata_url (an IdP EntityDescriptor with an HTTP-Redirect SingleSignOnService and a signing certificate).',
  },
  // SCIM 2.0 (RFC 7644 §3.12): each maps to the scimType of the same meaning.
  scim_invalid_filter: {
    status: 400,
    message: 'The filter is not valid SCIM filter syntax or names an unknown attribute.',
  },
  scim_invalid_syntax: {
    status: 400,
    message: 'The request body is not a valid SCIM request; check the schemas and attributes.',
  },
  scim_invalid_path: { status: 400, message: 'The PATCH path is not valid for this resource.' },
  scim_no_target: {
    status: 400,
    message: 'The PATCH path matched no value to remove or replace.',
  },
  scim_invalid_value: { status: 400, message: 'A value in the request is not valid.' },
  scim_mutability: { status: 400, message: 'That attribute cannot be changed.' },
  scim_too_many: { status: 400, message: 'The request asks for too many results at once.' },
  scim_invalid_version: { status: 400, message: 'This server speaks SCIM 2.0 only.' },
  scim_uniqueness: {
    status: 409,
    message: 'Another resource already has this userName or displayName.',
  },
  scim_token_invalid: {
    status: 401,
    message:
      'The SCIM token is not valid: it may be revoked, expired or replaced. Copy the current token from the directory page of the console into the identity provider.',
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
