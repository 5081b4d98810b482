import type { Kysely } from 'kysely';
import type { Capabilities } from '../capabilities.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * The SSO login handler: identity providers (SAML, OIDC) with their provisioning options,
 * and the logins in progress. A login's state lives in the database, not in a cookie: the
 * IdP's POST to the ACS is cross-site (SameSite cookies are not sent) and any node may
 * receive it. Booleans are 0/1, JSON is text, as everywhere.
 */
export async function up(db: Kysely<any>, caps: Capabilities): Promise<void> {
  const id = caps.idColumn;
  await db.schema
    .createTable('identity_providers')
    .addColumn('id', id.type, id.modify)
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('button_text', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('attribute_mapping', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('match_by', 'text', (c) => c.notNull().defaultTo('["username"]'))
    .addColumn('provision_on_first_login', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('not_found_redirect_url', 'text')
    .addColumn('provision_even_if_directories', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('seamless', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('allow_idp_initiated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('logout_url', 'text')
    .addColumn('defaults', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('config', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('sealed_secret', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sso_login_requests')
    // 32 random bytes, base64url: the value carried in RelayState / state.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'integer', (c) =>
      c.notNull().references('identity_providers.id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text')
    .addColumn('request_id', 'text')
    .addColumn('oidc_state', 'text')
    .addColumn('oidc_nonce', 'text')
    .addColumn('oidc_code_verifier', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema
    .createIndex('sso_login_requests_expires_idx')
    .on('sso_login_requests')
    .column('expires_at')
    .execute();
  await db.schema
    .createIndex('sso_login_requests_provider_idx')
    .on('sso_login_requests')
    .column('provider_id')
    .execute();
}
