/**
 * The SSO login handler's contract between the protocol gates (SAML, OIDC) and the core.
 * A gate proves who the person is (VerifiedLogin); the core decides what happens at that
 * login (LoginOutcome) — DESIGN.md, "SSO login handler".
 */
import type { DirectoryEntry } from '../sync/types.ts';

export type ProviderType = 'saml' | 'oidc';

/** What a protocol gate proved about the person. */
export interface VerifiedLogin {
  providerId: number;
  /** OIDC `sub` / SAML NameID. */
  subject: string;
  /** False for a transient NameID: match by attributes only, link nothing. */
  linkable: boolean;
  /** Raw claims / attributes, every value as a list of strings. */
  attributes: Record<string, string[]>;
  /**
   * Attributes the IdP itself says it has not verified (OIDC: `email` when `email_verified`
   * is not true). Their values may fill a new account's fields, but never match an account.
   */
  unverified?: string[];
  /**
   * The rest of the IdP's claims when they cost another request (OIDC userinfo): asked for
   * only when no identity is linked yet (matching, a directory lookup or provisioning need
   * them); a linked sign-in needs only the verified subject. The answer replaces
   * `attributes` and `unverified`. A throw refuses the login (sso_idp_error).
   */
  moreAttributes?: () => Promise<{ attributes: Record<string, string[]>; unverified: string[] }>;
}

export type LoginOutcome =
  | { outcome: 'signed_in' | 'provisioned'; personId: number; reason: string }
  | { outcome: 'redirected'; url: string; reason: string }
  | { outcome: 'refused'; reason: string; /** catalogue type */ errorType: string };

export type OutcomeName = LoginOutcome['outcome'];

/** Fields of an account an IdP's attribute may fill (attribute_mapping's keys). */
export const MAPPABLE_FIELDS = [
  'username',
  'firstname',
  'surname',
  'email',
  'user_code',
  'job_title',
  'department',
  'office',
  'phone',
  'mobile',
] as const;
export type MappableField = (typeof MAPPABLE_FIELDS)[number];

/** Gatehouse field (or `profile.<name>`) → attribute or claim name. */
export type AttributeMapping = Partial<Record<MappableField, string>> & Record<string, string>;

/** How an identity without a link is matched to an account, in order. */
export type MatchKey = 'username' | 'email';

/** Defaults for the accounts an IdP provisions. */
export interface ProvisionDefaults {
  groups: number[];
  roles: number[];
  extranet_id: number | null;
}

/** SAML protocol fields of an identity provider (config JSON when type = 'saml'). */
export interface SamlProviderConfig {
  metadata_xml?: string;
  metadata_url?: string;
  idp_entity_id: string;
  sso_url: string;
  /** PEM or base64 DER; several for rollover. */
  certificates: string[];
  sign_requests: boolean;
  /** When metadata_url was last fetched (ISO-8601), null before the first fetch. */
  metadata_fetched_at?: string | null;
}

/** OIDC protocol fields (config JSON when type = 'oidc'); the client secret is sealed apart. */
export interface OidcProviderConfig {
  issuer: string;
  client_id: string;
  scopes: string[];
}

/** An identity provider as the core and the gates read it (JSON columns parsed). */
export interface IdentityProvider {
  id: number;
  type: ProviderType;
  name: string;
  button_text: string;
  enabled: boolean;
  attribute_mapping: AttributeMapping;
  match_by: MatchKey[];
  provision_on_first_login: boolean;
  not_found_redirect_url: string | null;
  provision_even_if_directories: boolean;
  seamless: boolean;
  allow_idp_initiated: boolean;
  logout_url: string | null;
  defaults: ProvisionDefaults;
  config: SamlProviderConfig | OidcProviderConfig;
  /** SecretBox-sealed OIDC client secret, or null. */
  sealed_secret: string | null;
  created_at: string;
  updated_at: string;
}

export interface SamlIdentityProvider extends IdentityProvider {
  type: 'saml';
  config: SamlProviderConfig;
}
export interface OidcIdentityProvider extends IdentityProvider {
  type: 'oidc';
  config: OidcProviderConfig;
}

export function isSaml(p: IdentityProvider): p is SamlIdentityProvider {
  return p.type === 'saml';
}
export function isOidc(p: IdentityProvider): p is OidcIdentityProvider {
  return p.type === 'oidc';
}

/** A login in progress (table sso_login_requests), carried in RelayState / state. */
export interface LoginRequest {
  id: string;
  provider_id: number;
  kind: ProviderType;
  return_to: string | null;
  /** SAML AuthnRequest ID (checked against InResponseTo). */
  request_id: string | null;
  oidc_state: string | null;
  oidc_nonce: string | null;
  oidc_code_verifier: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  browser_hash: string | null;
}

/**
 * Taking a login back at the callback / ACS: the request, or why not (for the person's
 * page and the audit). `other_browser`: the login exists but was started by a browser
 * without this one's binding cookie — a login CSRF, or cookies blocked.
 */
export type TakenLogin =
  | { ok: true; request: LoginRequest }
  | { ok: false; why: 'unknown' | 'used' | 'expired' | 'other_browser'; reason: string };

/** What a gate stores with a login it starts. */
export interface LoginProtocolData {
  requestId?: string;
  oidcState?: string;
  oidcNonce?: string;
  oidcCodeVerifier?: string;
  /** The browser's binding value (its cookie); only its hash is stored. */
  browser: string;
}

/** The provider key of an IdP's identity links in external_identities. */
export function idpProvider(providerId: number): string {
  return `idp:${providerId}`;
}

/**
 * Finds a person in the LDAP directories who has not been synced yet and syncs that one
 * entry (src/gates/ldap/just-in-time.ts, over app.core.directorySync.applyEntry; wired in
 * src/app.ts). Absent: the decision sees 'unavailable' and the step is skipped.
 */
export interface JustInTimeDirectoryLookup {
  /**
   * One search per directory by the mapped username or email. `found` = an entry exists;
   * `inScope` = it is in the sync's scope; when in scope the entry has been applied and
   * `personId` is the synced account (null when applying it failed, with `reason`).
   * With `dryRun` (the explain tool) nothing is written: `personId` is then the account the
   * entry would be, or null when it would be created.
   */
  lookup(
    by: { username?: string; email?: string },
    ctx: { requestId?: string; ip?: string; dryRun?: boolean },
  ): Promise<JustInTimeResult>;
}

export type JustInTimeResult =
  | {
      found: false;
      /** Directories that could not be searched (down, refused the bind …): "not found" is unknown. */
      unavailable?: { directoryName: string; reason: string }[];
    }
  | {
      found: true;
      inScope: false;
      directoryName: string;
      /** Why the entry is outside the sync's scope (base DN, filter, sync group), for the reason. */
      why?: string;
    }
  | {
      found: true;
      inScope: true;
      directoryName: string;
      entry: DirectoryEntry;
      personId: number | null;
      reason?: string;
    };

export interface LoginContext {
  ip?: string;
  requestId?: string;
}

export interface ExplainQuery {
  username?: string;
  email?: string;
  subject?: string;
}

export interface ExplainAnswer {
  outcome: OutcomeName;
  reason: string;
  person_id: number | null;
}
