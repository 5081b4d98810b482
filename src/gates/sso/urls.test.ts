import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { oidcEndpoints, safeReturnTo, samlEndpoints } from './urls.ts';

describe('SSO URLs', () => {
  it('keeps only paths of this site as return_to', () => {
    for (const ok of ['/', '/users', '/users/7?tab=groups#x', '/login-handler'])
      assert.equal(safeReturnTo(ok), ok);
    for (const bad of [
      '//evil.example/',
      '/\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      'users',
      '/\tevil',
      '/a\\b',
      '',
      null,
      42,
      '/' + 'a'.repeat(2001),
    ])
      assert.equal(safeReturnTo(bad), null, String(bad));
  });
  it('names the SP endpoints under the public base', () => {
    assert.deepEqual(samlEndpoints('https://gh.example/', 3), {
      sp_entity_id: 'https://gh.example/sso/3/metadata',
      acs_url: 'https://gh.example/sso/3/acs',
      metadata_url: 'https://gh.example/sso/3/metadata',
      login_url: 'https://gh.example/sso/3/login',
    });
    assert.equal(
      oidcEndpoints('https://gh.example', 4).redirect_uri,
      'https://gh.example/sso/4/callback',
    );
  });
});
