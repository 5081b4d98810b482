/**
 * The SP metadata an IdP administrator loads: entity id, one HTTP-POST ACS, signed
 * assertions wanted, the signing and encryption certificates, persistent NameIDs.
 * Written here rather than by node-saml, whose generator drops the signing certificate
 * unless every request is signed (an IdP may still want it to check signed requests later).
 */
import type { SamlIdentityProvider } from '../../../core/sso/types.ts';
import type { SamlEndpoints } from '../urls.ts';
import { certificateBody } from './certificate.ts';
import { PERSISTENT } from './client.ts';
import type { SpKeys } from './sp-keys.ts';

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function keyDescriptor(use: 'signing' | 'encryption', cert: string): string {
  return `    <md:KeyDescriptor use="${use}">
      <ds:KeyInfo>
        <ds:X509Data>
          <ds:X509Certificate>${certificateBody(cert)}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>${
        use === 'encryption'
          ? `
      <md:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>
      <md:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/>`
          : ''
      }
    </md:KeyDescriptor>`;
}

export function spMetadataXml(
  provider: SamlIdentityProvider,
  endpoints: SamlEndpoints,
  keys: SpKeys,
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${esc(endpoints.sp_entity_id)}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="${provider.config.sign_requests ? 'true' : 'false'}" WantAssertionsSigned="true">
${keyDescriptor('signing', keys.signing.certificatePem)}
${keyDescriptor('encryption', keys.encryption.certificatePem)}
    <md:NameIDFormat>${PERSISTENT}</md:NameIDFormat>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${esc(endpoints.acs_url)}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}
