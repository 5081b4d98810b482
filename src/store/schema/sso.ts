/** Table types (schema.ts): SSO identity providers, logins in progress, SAML replay and keys. */
import type { Generated, Selectable } from 'kysely';

/** SSO identity providers (migration 0009): booleans 0/1, JSON columns as text. */
export interface IdentityProvidersTable {
  id: Generated<number>;
  type: 'saml' | 'oidc';
  name: string;
  button_text: string;
  enabled: number;
  attribute_mapping: string;
  match_by: string;
  provision_on_first_login: number;
  not_found_redirect_url: string | null;
  provision_even_if_directories: number;
  seamless: number;
  allow_idp_initiated: number;
  logout_url: string | null;
  defaults: string;
  config: string;
  sealed_secret: string | null;
  created_at: string;
  updated_at: string;
}

/** SSO logins in progress (migration 0009): single use, carried in RelayState / state. */
export interface SsoLoginRequestsTable {
  id: string;
  provider_id: number;
  kind: 'saml' | 'oidc';
  return_to: string | null;
  request_id: string | null;
  oidc_state: string | null;
  oidc_nonce: string | null;
  oidc_code_verifier: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  /** SHA-256 (hex) of the browser's binding cookie (migration 0015); null before it. */
  browser_hash: string | null;
}

/** SAML assertion ids already accepted (migration 0010): a response is accepted once, across nodes. */
export interface SamlReplayTable {
  assertion_key: string;
  expires_at: string;
}

/** The SAML service provider's own key pairs (migration 0010), shared by every node. */
export interface SamlSpKeysTable {
  use: 'signing' | 'encryption';
  /** PEM. */
  certificate: string;
  /** PKCS#8 PEM, sealed with app.secrets. */
  sealed_private_key: string;
  not_after: string;
  created_at: string;
}

export type IdentityProviderRow = Selectable<IdentityProvidersTable>;

export type SsoLoginRequestRow = Selectable<SsoLoginRequestsTable>;
