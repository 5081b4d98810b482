/**
 * The presets read what each vendor really sends: a login shaped like the vendor's token
 * (attribute names from its documentation and real assertions), mapped through the preset,
 * fills username, email, first name and surname. A renamed claim here would mean every
 * login from that IdP arrives without a username and is refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS } from './presets.ts';
import { mapAttributes } from './attributes.ts';

const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

function preset(id: string) {
  const p = PRESETS.find((x) => x.id === id);
  assert.ok(p, `preset ${id}`);
  return p;
}

function mapped(id: string, subject: string, attributes: Record<string, string[]>) {
  const m = mapAttributes(preset(id).attribute_mapping, { subject, attributes });
  return {
    username: m.username,
    email: m.email,
    firstname: m.fields.firstname,
    surname: m.fields.surname,
  };
}

const ADA = {
  username: 'ada@example.org',
  email: 'ada@example.org',
  firstname: 'Ada',
  surname: 'Lovelace',
};

describe('identity-provider presets', () => {
  it('cover Entra ID, Okta, AD FS and Google, and name the protocol each speaks', () => {
    assert.deepEqual(
      PRESETS.map((p) => [p.id, p.type]),
      [
        ['entra-saml', 'saml'],
        ['entra-oidc', 'oidc'],
        ['adfs-saml', 'saml'],
        ['okta-saml', 'saml'],
        ['okta-oidc', 'oidc'],
        ['google-oidc', 'oidc'],
        ['google-saml', 'saml'],
      ],
    );
  });

  it('Entra ID (SAML): the UPN as …/claims/name, claim URIs for given name, surname, email', () => {
    // The NameID Entra sends by default is an opaque persistent id, not the UPN.
    const got = mapped('entra-saml', 'K0x9lBq3rM', {
      [`${CLAIMS}/name`]: ['ada@example.org'],
      [`${CLAIMS}/givenname`]: ['Ada'],
      [`${CLAIMS}/surname`]: ['Lovelace'],
      [`${CLAIMS}/emailaddress`]: ['ada@example.org'],
      'http://schemas.microsoft.com/identity/claims/objectidentifier': ['0c6f…'],
    });
    assert.deepEqual(got, ADA);
  });

  it('Entra ID, Okta (OpenID Connect): preferred_username, email, given_name, family_name', () => {
    const claims = {
      preferred_username: ['ada@example.org'],
      email: ['ada@example.org'],
      given_name: ['Ada'],
      family_name: ['Lovelace'],
    };
    assert.deepEqual(
      mapped('entra-oidc', 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ', claims),
      ADA,
    );
    assert.deepEqual(mapped('okta-oidc', '00u1abcd2EFGH3ijk4x7', claims), ADA);
    assert.deepEqual(preset('entra-oidc').scopes, ['openid', 'profile', 'email']);
  });

  it('AD FS (SAML): the UPN claim and the claim URIs of its usual rules', () => {
    const got = mapped('adfs-saml', 'ada', {
      [`${CLAIMS}/upn`]: ['ada@example.org'],
      [`${CLAIMS}/emailaddress`]: ['ada@example.org'],
      [`${CLAIMS}/givenname`]: ['Ada'],
      [`${CLAIMS}/surname`]: ['Lovelace'],
    });
    assert.deepEqual(got, ADA);
  });

  it('Okta (SAML): the NameID as username, attribute statements email, firstName, lastName', () => {
    const got = mapped('okta-saml', 'ada@example.org', {
      email: ['ada@example.org'],
      firstName: ['Ada'],
      lastName: ['Lovelace'],
    });
    assert.deepEqual(got, ADA);
  });

  it('Google: no username claim, so the email address is the username (both protocols)', () => {
    const oidc = mapped('google-oidc', '110169484474386276334', {
      email: ['ada@example.org'],
      email_verified: ['true'],
      given_name: ['Ada'],
      family_name: ['Lovelace'],
      hd: ['example.org'],
    });
    assert.deepEqual(oidc, ADA);
    assert.deepEqual(preset('google-oidc').match_by, ['email', 'username']);
    const saml = mapped('google-saml', 'ada@example.org', {
      firstName: ['Ada'],
      lastName: ['Lovelace'],
    });
    assert.deepEqual(saml, ADA);
  });
});
