import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * Login CSRF (issue 10): a login in progress is bound to the browser that started it. That
 * browser holds a random value in a cookie; its SHA-256 is stored here, and the OIDC callback
 * or the SAML ACS takes the login only when the browser that brings it back has the same
 * value. Null for logins started before this migration (they cannot be finished; they
 * expire within minutes anyway).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sso_login_requests').addColumn('browser_hash', 'text').execute();
}
