/**
 * Attribute mappings for the identity providers people connect most, with the names these
 * IdPs really send. Entra ID's SAML tokens carry the UPN as `…/claims/name` and claim URIs
 * for given name, surname and email; ADFS sends the claim URIs it is told to (UPN, email,
 * given name, surname are its usual rules); Okta and Google send the attribute names the
 * administrator types in their app (these are the names their set-up guides use).
 */
import type { AttributeMapping, MatchKey, ProviderType } from './types.ts';

export interface Preset {
  id: string;
  label: string;
  type: ProviderType;
  attribute_mapping: AttributeMapping;
  match_by: MatchKey[];
  /** For OIDC presets: the issuer pattern, with {tenant} / {domain} to fill in. */
  issuer_hint?: string;
  scopes?: string[];
  note: string;
}

const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

export const PRESETS: Preset[] = [
  {
    id: 'entra-saml',
    label: 'Microsoft Entra ID (SAML)',
    type: 'saml',
    attribute_mapping: {
      username: `${CLAIMS}/name`,
      email: `${CLAIMS}/emailaddress`,
      firstname: `${CLAIMS}/givenname`,
      surname: `${CLAIMS}/surname`,
    },
    match_by: ['username', 'email'],
    note: 'Entra sends the user principal name as …/claims/name and signs the assertion only (accepted).',
  },
  {
    id: 'entra-oidc',
    label: 'Microsoft Entra ID (OpenID Connect)',
    type: 'oidc',
    attribute_mapping: {
      username: 'preferred_username',
      email: 'email',
      firstname: 'given_name',
      surname: 'family_name',
    },
    match_by: ['username', 'email'],
    issuer_hint: 'https://login.microsoftonline.com/{tenant}/v2.0',
    scopes: ['openid', 'profile', 'email'],
    note: 'preferred_username is the UPN; given_name and family_name need the profile scope.',
  },
  {
    id: 'adfs-saml',
    label: 'AD FS (SAML)',
    type: 'saml',
    attribute_mapping: {
      username: `${CLAIMS}/upn`,
      email: `${CLAIMS}/emailaddress`,
      firstname: `${CLAIMS}/givenname`,
      surname: `${CLAIMS}/surname`,
    },
    match_by: ['username', 'email'],
    note: 'Add claim rules for UPN, E-Mail Address, Given Name and Surname (Send LDAP Attributes as Claims).',
  },
  {
    id: 'okta-saml',
    label: 'Okta (SAML)',
    type: 'saml',
    attribute_mapping: {
      username: '$subject',
      email: 'email',
      firstname: 'firstName',
      surname: 'lastName',
    },
    match_by: ['username', 'email'],
    note: 'In the Okta app: Name ID format Persistent or EmailAddress; attribute statements email = user.email, firstName = user.firstName, lastName = user.lastName.',
  },
  {
    id: 'okta-oidc',
    label: 'Okta (OpenID Connect)',
    type: 'oidc',
    attribute_mapping: {
      username: 'preferred_username',
      email: 'email',
      firstname: 'given_name',
      surname: 'family_name',
    },
    match_by: ['username', 'email'],
    issuer_hint: 'https://{domain}.okta.com',
    scopes: ['openid', 'profile', 'email'],
    note: 'preferred_username is the Okta login (usually the email address).',
  },
  {
    id: 'google-oidc',
    label: 'Google Workspace (OpenID Connect)',
    type: 'oidc',
    attribute_mapping: {
      username: 'email',
      email: 'email',
      firstname: 'given_name',
      surname: 'family_name',
    },
    match_by: ['email', 'username'],
    issuer_hint: 'https://accounts.google.com',
    scopes: ['openid', 'profile', 'email'],
    note: 'Google sends no username claim: the email address serves as the username.',
  },
  {
    id: 'google-saml',
    label: 'Google Workspace (SAML)',
    type: 'saml',
    attribute_mapping: {
      username: '$subject',
      email: '$subject',
      firstname: 'firstName',
      surname: 'lastName',
    },
    match_by: ['email', 'username'],
    note: 'Google sends the primary email as the NameID; map First name → firstName and Last name → lastName in the app.',
  },
];
