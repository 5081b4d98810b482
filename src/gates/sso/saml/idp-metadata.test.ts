import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchIdpMetadata, parseIdpMetadata, resolveSamlConfig } from './idp-metadata.ts';
import { certificateBody, makeSelfSigned } from './certificate.ts';

const a = certificateBody(makeSelfSigned('a').certificatePem);
const b = certificateBody(makeSelfSigned('b').certificatePem);

function entity(id: string, certs: string[], extra = ''): string {
  return `<md:EntityDescriptor entityID="${id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${certs
      .map(
        (c, i) => `<md:KeyDescriptor${i === 0 ? ' use="signing"' : ''}><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>
        ${c}
      </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
      )
      .join('\n')}
    <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>ENCONLY</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>
    ${extra}
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}
const NS =
  'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"';
const single = (body: string) =>
  body.replace('<md:EntityDescriptor ', `<md:EntityDescriptor ${NS} `);

test('an IdP descriptor gives entity id, the HTTP-Redirect SSO URL and every signing certificate', () => {
  const md = parseIdpMetadata(single(entity('https://idp.example', [a, b])));
  assert.equal(md.entityId, 'https://idp.example');
  assert.equal(md.ssoUrl, 'https://idp.example/sso');
  // Both certificates (rollover); the encryption-only one is not trusted for signatures.
  assert.deepEqual(md.certificates, [a, b]);
});

test('an aggregate needs the entity id of the IdP to use', () => {
  const agg = `<md:EntitiesDescriptor ${NS}>${entity('https://one', [a])}${entity('https://two', [b])}</md:EntitiesDescriptor>`;
  assert.throws(() => parseIdpMetadata(agg), /several identity providers/);
  assert.deepEqual(parseIdpMetadata(agg, 'https://two').certificates, [b]);
  assert.throws(() => parseIdpMetadata(agg, 'https://three'), /no identity provider with/);
});

test('hostile or unusable metadata is refused with a sentence', () => {
  const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>${single(entity('x', [a]))}`;
  assert.throws(() => parseIdpMetadata(bomb), { name: 'GatehouseError', message: /document type/ });
  assert.throws(() => parseIdpMetadata('<md:EntityDescriptor'), /not well-formed/);
  assert.throws(() => parseIdpMetadata(single(entity('x', []))), /no signing certificate/);
  assert.throws(
    () => parseIdpMetadata(single(entity('x', [a]).replace(/HTTP-Redirect/, 'SOAP'))),
    /no HTTP-Redirect SingleSignOnService/,
  );
});

test('fetching: a size limit, a timeout and http(s) only', async () => {
  const big = 'x'.repeat(5000);
  const server = http.createServer((req, res) => {
    if (req.url === '/slow') return; // never answers
    if (req.url === '/big') return res.end(big);
    res.end(single(entity('https://idp.example', [a])));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await assert.rejects(fetchIdpMetadata(`${base}/big`, { maxBytes: 1000 }), /larger than 1000/);
    await assert.rejects(
      fetchIdpMetadata(`${base}/slow`, { timeoutMs: 200 }),
      /did not answer in time/,
    );
    await assert.rejects(fetchIdpMetadata('file:///etc/passwd'), /http or https/);
    const resolved = await resolveSamlConfig({ metadata_url: `${base}/md`, sign_requests: true });
    assert.equal(resolved.idp_entity_id, 'https://idp.example');
    assert.equal(resolved.sso_url, 'https://idp.example/sso');
    assert.equal(resolved.sign_requests, true);
    assert.ok(resolved.metadata_fetched_at);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
