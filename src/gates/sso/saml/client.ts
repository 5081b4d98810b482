/**
 * node-saml configured for one identity provider. A new instance per use: cheap, and it
 * keeps nothing between requests (node-saml's own request cache is one process's memory;
 * our login requests and replay cache live in the database instead).
 */
import { randomBytes } from 'node:crypto';
import { SAML, ValidateInResponseTo, type SamlConfig } from '@node-saml/node-saml';
import type { SamlIdentityProvider } from '../../../core/sso/types.ts';
import type { SamlEndpoints } from '../urls.ts';
import { certificatePem } from './certificate.ts';
import type { SpKeys } from './sp-keys.ts';

export const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
export const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
/** Clock difference tolerated between the IdP and us, both ways. */
export const CLOCK_SKEW_MS = 60_000;

/** An AuthnRequest ID: an NCName (starts with a letter or underscore), 160 random bits. */
export function newRequestId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

export function samlClient(
  provider: SamlIdentityProvider,
  endpoints: SamlEndpoints,
  keys: SpKeys,
  opts: { requestId?: string } = {},
): SAML {
  const cfg = provider.config;
  const config: SamlConfig = {
    issuer: endpoints.sp_entity_id,
    callbackUrl: endpoints.acs_url,
    audience: endpoints.sp_entity_id,
    entryPoint: cfg.sso_url,
    idpIssuer: cfg.idp_entity_id,
    // Only the IdP's own certificates (several during a rollover); never a key in the message.
    idpCert: cfg.certificates.map(certificatePem),
    // A signed Response or a signed Assertion is enough (Entra signs only the assertion):
    // with both flags off node-saml requires the assertion's signature whenever the
    // Response's is missing, and reads the assertion from the signed XML only.
    wantAuthnResponseSigned: false,
    wantAssertionsSigned: false,
    decryptionPvk: keys.encryption.privateKeyPem,
    // We check InResponseTo against the database (this provider's unused login requests).
    validateInResponseTo: ValidateInResponseTo.never,
    acceptedClockSkewMs: CLOCK_SKEW_MS,
    identifierFormat: PERSISTENT,
    // Asking for a password context makes Entra refuse people who signed in with MFA.
    disableRequestedAuthnContext: true,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    ...(cfg.sign_requests
      ? { privateKey: keys.signing.privateKeyPem, publicCert: keys.signing.certificatePem }
      : {}),
    ...(opts.requestId ? { generateUniqueId: () => opts.requestId ?? newRequestId() } : {}),
  };
  return new SAML(config);
}
