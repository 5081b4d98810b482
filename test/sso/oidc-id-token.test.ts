/**
 * The id_token checks of the OIDC callback, proven here rather than taken on trust from
 * openid-client (issue 10: "write the tests that prove the properties yourselves"): a token
 * signed by a key not in the JWKS, `alg: none`, the wrong `iss`, another client's `aud`, an
 * `exp` in the past, a wrong or missing `nonce` — each refused, audited as sso.login
 * `refused` with its reason, nobody created or signed in. One correct token is accepted.
 *
 * The tokens come from test/helpers/forging-op.ts, a test OP that signs what it is told:
 * the real OpenID Provider of the other tests (oidc-provider) cannot be made to sign a bad
 * token, and a bad token is what has to reach our callback.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { lastEvent } from '../helpers/sso-facts.ts';
import { startForgingOp, type ForgingOp, type IdTokenPlan } from '../helpers/forging-op.ts';
import { followLogin } from '../helpers/oidc-provider.ts';
import { SESSION_COOKIE } from '../../src/gates/api/authenticate.ts';

let gh: TestServer;
let op: ForgingOp;
let idpId: number;
const SECRET = 'forging-op-secret-0123456789abcdef';

before(async () => {
  gh = await startTestServer({
    GATEHOUSE_SECRET_KEY: '3e'.repeat(32),
    GATEHOUSE_SSO_RATE_PER_MINUTE: '10000',
  });
  op = await startForgingOp();
  const r = await gh.request('POST', '/api/people/v2/identity-providers', {
    body: {
      type: 'oidc',
      name: 'Test OP',
      issuer: op.issuer,
      client_id: 'gatehouse',
      client_secret: SECRET,
      attribute_mapping: {
        username: 'preferred_username',
        email: 'email',
        firstname: 'given_name',
        surname: 'family_name',
      },
      // On: a token that got through would make an account, so "nobody created" means it.
      provision_on_first_login: true,
    },
  });
  assert.equal(r.status, 201, r.text);
  idpId = r.body.id as number;
  op.addClient({
    clientId: 'gatehouse',
    clientSecret: SECRET,
    redirectUri: `${gh.url}/sso/${idpId}/callback`,
  });
});
after(async () => {
  await op?.close();
  await gh?.close();
});

function claimsOf(username: string): Record<string, unknown> {
  return {
    preferred_username: username,
    email: `${username}@example.org`,
    email_verified: true,
    given_name: 'Token',
    family_name: 'Test',
  };
}

/** A whole login (our /login, the OP, our callback) with the token the plan describes. */
async function loginWith(username: string, plan: IdTokenPlan) {
  op.nextToken(`sub-${username}`, claimsOf(username), plan);
  const before = op.issued;
  const end = await followLogin(`${gh.url}/sso/${idpId}/login`, gh.url);
  // The token was made and handed to us: the refusal is ours, not the OP's.
  assert.equal(op.issued, before + 1, 'the test OP issued the token');
  const cookie = end.setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return { ...end, cookie };
}

async function nothingMadeFor(username: string): Promise<void> {
  assert.equal(await gh.app.core.people.findByUsername(username), undefined);
  const links = await gh.app.store.db
    .selectFrom('external_identities')
    .select('external_id')
    .where('provider', '=', `idp:${idpId}`)
    .where('external_id', '=', `sub-${username}`)
    .execute();
  assert.deepEqual(links, []);
}

const now = () => Math.floor(Date.now() / 1000);

/** Each bad token, and what the audited reason names (the check that refused it). */
const refused: [string, string, IdTokenPlan, RegExp][] = [
  [
    "signed by a key not in the JWKS, under the published key's kid",
    'forged',
    { signWith: 'stranger' },
    /JWT signature verification failed/,
  ],
  [
    'signed by a key not in the JWKS, under its own kid',
    'strangerkid',
    { signWith: 'stranger', kid: 'not-published' },
    /no applicable keys found/,
  ],
  [
    'alg: none (unsigned)',
    'unsigned',
    { signWith: 'none' },
    /unexpected JWT "alg" header parameter/,
  ],
  [
    'from another issuer',
    'otheriss',
    { claims: { iss: 'https://evil.example' } },
    /unexpected JWT "iss" \(issuer\) claim value/,
  ],
  [
    "another client's token (aud)",
    'otheraud',
    { claims: { aud: 'other-app' } },
    /unexpected JWT "aud" \(audience\) claim value/,
  ],
  [
    'expired (exp in the past)',
    'expired',
    { claims: { iat: now() - 900, exp: now() - 600 } },
    /"exp" \(expiration time\) claim value, expiration is past/,
  ],
  [
    'with a wrong nonce',
    'badnonce',
    { claims: { nonce: 'not-the-login-nonce' } },
    /unexpected ID Token "nonce" claim value/,
  ],
  [
    'without a nonce',
    'nononce',
    { claims: { nonce: undefined } },
    /JWT "nonce" \(nonce\) claim missing/,
  ],
];

describe('OIDC id_token checks against tokens signed as the test asks', () => {
  for (const [name, username, plan, why] of refused)
    it(`an id_token ${name} is refused: a clear page, audited with its reason, nobody made or signed in`, async () => {
      const end = await loginWith(username, plan);
      assert.equal(end.status, 502, end.text);
      assert.equal(end.cookie, undefined, 'no session cookie');
      assert.match(end.text, /The identity provider did not complete the sign-in/);
      assert.doesNotMatch(end.text, /\.ts:\d+|Error:/, 'no stack trace');
      const d = await lastEvent(gh);
      assert.equal(d.outcome, 'refused');
      assert.equal(d.audit, 'failure');
      assert.equal(d.errorType, 'sso_idp_error');
      assert.match(d.reason, /^The OpenID Provider's answer did not verify: /);
      assert.match(d.reason, why);
      await nothingMadeFor(username);
    });

  it('a correct token from the same test OP is accepted (the OP signs what a real one would)', async () => {
    const end = await loginWith('correct', {});
    assert.equal(end.status, 303, end.text);
    assert.ok(end.cookie, 'a session cookie');
    const me = await gh.request('GET', '/api/session', {
      key: null,
      headers: { cookie: end.cookie.split(';')[0]! },
    });
    assert.equal(me.body.user.username, 'correct');
    const d = await lastEvent(gh);
    assert.equal(d.outcome, 'provisioned');
  });
});
