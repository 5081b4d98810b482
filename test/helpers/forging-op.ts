/**
 * A small OpenID Provider that signs whatever id_token the test asks for: discovery, JWKS,
 * an authorization endpoint that answers at once (no sign-in form) and a token endpoint, on
 * node:http at a random loopback port, with RS256 done by node:crypto.
 *
 * Why not the real one (test/helpers/oidc-provider.ts): oidc-provider is a correct OP and
 * cannot be made to sign a bad token (a foreign key, `alg: none`, another issuer or
 * audience, an expired token, a wrong nonce). Those are exactly the tokens whose refusal
 * has to be proven, so this OP exists for them alone; one correct token through it shows
 * that what it signs by default is a token the relying party accepts.
 *
 * It is otherwise strict, so a refusal cannot come from a sloppy OP: the token endpoint
 * checks the client's secret, the code (single use), the redirect URI and the PKCE verifier.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/** How the next id_token is made; every field optional (the default is a correct token). */
export interface IdTokenPlan {
  /** Claims that replace or add to the correct ones; `undefined` removes one. */
  claims?: Record<string, unknown>;
  /** 'published' (the JWKS key, the default), 'stranger' (a key not in the JWKS), 'none'. */
  signWith?: 'published' | 'stranger' | 'none';
  /** The header's kid (default: the published key's, so a stranger's signature is tried with it). */
  kid?: string;
}

export interface ForgingOp {
  issuer: string;
  /** Registers a client (its redirect URI is known once the relying party exists). */
  addClient(c: { clientId: string; clientSecret: string; redirectUri: string }): void;
  /** The person (claims beside iss/aud/exp/iat/nonce) and the plan for the next token. */
  nextToken(sub: string, claims: Record<string, unknown>, plan?: IdTokenPlan): void;
  /** Tokens issued so far (to show a refused token really was delivered). */
  readonly issued: number;
  close(): Promise<void>;
}

const KID = 'test-op-key-1';

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function jwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject | null,
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  if (!key) return `${input}.`;
  return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  nonce: string | undefined;
  codeChallenge: string | undefined;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function formBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The client's id and secret from HTTP Basic or the form (client_secret_post). */
function clientCredentials(
  req: http.IncomingMessage,
  form: URLSearchParams,
): { id: string; secret: string } | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
    if (id !== undefined && secret !== undefined)
      return { id: decodeURIComponent(id), secret: decodeURIComponent(secret) };
  }
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  return id !== null && secret !== null ? { id, secret } : undefined;
}

export async function startForgingOp(): Promise<ForgingOp> {
  const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // The same kid as the published key: the relying party looks up that key and the
  // signature does not verify with it (rather than failing on an unknown kid).
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clients = new Map<string, { secret: string; redirectUri: string }>();
  const codes = new Map<string, PendingCode>();
  let next: { sub: string; claims: Record<string, unknown>; plan: IdTokenPlan } | undefined;
  let issued = 0;
  let issuer = '';

  function idToken(code: PendingCode): string {
    if (!next) throw new Error('the test did not say which token to sign (nextToken)');
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: issuer,
      aud: code.clientId,
      sub: next.sub,
      iat: now,
      exp: now + 300,
      ...(code.nonce !== undefined ? { nonce: code.nonce } : {}),
      ...next.claims,
    };
    for (const [k, v] of Object.entries(next.plan.claims ?? {}))
      if (v === undefined) delete claims[k];
      else claims[k] = v;
    const how = next.plan.signWith ?? 'published';
    const kid = next.plan.kid ?? KID;
    next = undefined;
    issued++;
    if (how === 'none') return jwt({ alg: 'none', typ: 'JWT' }, claims, null);
    const key = how === 'stranger' ? stranger.privateKey : published.privateKey;
    return jwt({ alg: 'RS256', typ: 'JWT', kid }, claims, key);
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer);
      if (url.pathname === '/.well-known/openid-configuration')
        return send(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        });
      if (url.pathname === '/jwks')
        return send(res, 200, {
          keys: [
            {
              ...published.publicKey.export({ format: 'jwk' }),
              kid: KID,
              alg: 'RS256',
              use: 'sig',
            },
          ],
        });
      if (url.pathname === '/authorize') {
        const q = url.searchParams;
        const clientId = q.get('client_id') ?? '';
        const client = clients.get(clientId);
        const redirectUri = q.get('redirect_uri') ?? '';
        if (!client || client.redirectUri !== redirectUri || q.get('response_type') !== 'code')
          return send(res, 400, { error: 'invalid_request' });
        const code = randomBytes(24).toString('base64url');
        codes.set(code, {
          clientId,
          redirectUri,
          nonce: q.get('nonce') ?? undefined,
          codeChallenge: q.get('code_challenge') ?? undefined,
        });
        const back = new URL(redirectUri);
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.get('state') ?? '');
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        const form = await formBody(req);
        const creds = clientCredentials(req, form);
        const client = creds && clients.get(creds.id);
        if (!creds || !client || client.secret !== creds.secret)
          return send(res, 401, { error: 'invalid_client' });
        const code = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (
          !code ||
          code.clientId !== creds.id ||
          code.redirectUri !== form.get('redirect_uri') ||
          code.codeChallenge !== challenge
        )
          return send(res, 400, { error: 'invalid_grant' });
        return send(res, 200, {
          access_token: randomBytes(24).toString('base64url'),
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken(code),
        });
      }
      return send(res, 404, { error: 'not_found' });
    })().catch((err: unknown) => send(res, 500, { error: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    addClient: (c) =>
      clients.set(c.clientId, { secret: c.clientSecret, redirectUri: c.redirectUri }),
    nextToken(sub, claims, plan = {}) {
      next = { sub, claims, plan };
    },
    get issued() {
      return issued;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
