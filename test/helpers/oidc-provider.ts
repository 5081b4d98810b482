/**
 * A real OpenID Provider (npm oidc-provider 9) for the SSO tests, in the test's process on a
 * random loopback port. The login step is scripted: the interaction page signs in the account
 * the test chose with `nextLogin`, and consent is granted for first-party clients, so a login
 * is a chain of real redirects (authorize → interaction → resume → the relying party's
 * callback) with the provider's real tokens, signatures and JWKS.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
// oidc-provider ships no type declarations: the little of it used here is typed below.
// @ts-expect-error -- no declaration file
import ProviderModule from 'oidc-provider';

export type ClientMetadata = Record<string, unknown>;
interface Grant {
  addOIDCScope(scope: string): void;
  save(): Promise<string>;
}
interface OidcCtx {
  path: string;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  respond: boolean;
  oidc: {
    client?: { clientId: string };
    session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
    provider: {
      Grant: { new (o: Record<string, unknown>): Grant; find(id: string): Promise<Grant> };
    };
  };
}
interface ProviderLike {
  use(mw: (ctx: OidcCtx, next: () => Promise<void>) => Promise<void>): void;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<unknown>;
  interactionFinished(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    result: Record<string, unknown>,
    opts: Record<string, unknown>,
  ): Promise<void>;
  callback(): http.RequestListener;
}
const Provider = ProviderModule as new (
  issuer: string,
  config: Record<string, unknown>,
) => ProviderLike;

export interface OidcAccount {
  sub: string;
  claims: Record<string, unknown>;
}

export interface TestOidcProvider {
  issuer: string;
  /** Registers the clients (once their redirect URIs are known) and starts answering. */
  start(clients: ClientMetadata[]): void;
  addAccount(a: OidcAccount): void;
  /** Who the next interaction signs in. */
  nextLogin(sub: string): void;
  close(): Promise<void>;
}

/**
 * oidc-provider's own in-memory store keeps 1,000 entries (least recently used out): the
 * SSO bench prepares 1,000 logins before its load, and their codes were evicted by the
 * sessions and grants made after them (the IdP then refused half the callbacks). This
 * store keeps everything until it expires; the test IdP lives only for one run.
 */
interface Stored {
  payload: Record<string, unknown>;
  expiresAt: number;
}
/** A store class for one provider (oidc-provider makes one instance per model). */
function keepAllAdapter() {
  const all = new Map<string, Stored>();
  return class KeepAllAdapter {
    constructor(private readonly model: string) {}
    private key(id: string): string {
      return `${this.model}:${id}`;
    }
    upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void> {
      all.set(this.key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 });
      return Promise.resolve();
    }
    find(id: string): Promise<Record<string, unknown> | undefined> {
      const hit = all.get(this.key(id));
      if (hit && hit.expiresAt <= Date.now()) all.delete(this.key(id));
      return Promise.resolve(hit && hit.expiresAt > Date.now() ? hit.payload : undefined);
    }
    private findBy(field: string, value: string): Promise<Record<string, unknown> | undefined> {
      for (const [k, v] of all)
        if (k.startsWith(`${this.model}:`) && v.payload[field] === value)
          return Promise.resolve(v.expiresAt > Date.now() ? v.payload : undefined);
      return Promise.resolve(undefined);
    }
    findByUid(uid: string) {
      return this.findBy('uid', uid);
    }
    findByUserCode(userCode: string) {
      return this.findBy('userCode', userCode);
    }
    consume(id: string): Promise<void> {
      const hit = all.get(this.key(id));
      if (hit) hit.payload.consumed = Math.floor(Date.now() / 1000);
      return Promise.resolve();
    }
    destroy(id: string): Promise<void> {
      all.delete(this.key(id));
      return Promise.resolve();
    }
    revokeByGrantId(grantId: string): Promise<void> {
      for (const [k, v] of all) if (v.payload.grantId === grantId) all.delete(k);
      return Promise.resolve();
    }
  };
}

export async function startOidcProvider(): Promise<TestOidcProvider> {
  const accounts = new Map<string, OidcAccount>();
  let next: string | undefined;
  let handler: http.RequestListener | undefined;
  const server = http.createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    addAccount: (a) => accounts.set(a.sub, a),
    nextLogin: (sub) => {
      next = sub;
    },
    start(clients) {
      const provider = new Provider(issuer, {
        adapter: keepAllAdapter(),
        clients,
        pkce: { required: () => true },
        claims: {
          openid: ['sub'],
          email: ['email', 'email_verified'],
          profile: ['preferred_username', 'given_name', 'family_name', 'name'],
        },
        features: { devInteractions: { enabled: false } },
        interactions: {
          url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
        },
        findAccount: (_ctx: unknown, sub: string) => {
          const a = accounts.get(sub);
          return a ? { accountId: sub, claims: () => ({ sub, ...a.claims }) } : undefined;
        },
        // First-party clients: consent is given (what a company IdP does for its own apps).
        async loadExistingGrant(ctx: OidcCtx) {
          const client = ctx.oidc.client;
          const session = ctx.oidc.session;
          if (!client || !session?.accountId) return undefined;
          const existing = session.grantIdFor(client.clientId);
          if (existing) return ctx.oidc.provider.Grant.find(existing);
          const grant = new ctx.oidc.provider.Grant({
            clientId: client.clientId,
            accountId: session.accountId,
          });
          grant.addOIDCScope('openid email profile');
          await grant.save();
          return grant;
        },
      });
      provider.use(async (ctx, nextMw) => {
        if (ctx.path.startsWith('/interaction/')) {
          await provider.interactionDetails(ctx.req, ctx.res);
          ctx.respond = false;
          await provider.interactionFinished(
            ctx.req,
            ctx.res,
            { login: { accountId: next ?? 'nobody' } },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        await nextMw();
      });
      handler = provider.callback();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A browser's walk through redirects with a cookie jar per host; stops at `stopAt`'s origin. */
export async function followLogin(
  startUrl: string,
  stopAtOrigin: string,
  jar: Map<string, Map<string, string>> = new Map(),
): Promise<{
  status: number;
  location: string | null;
  url: string;
  setCookie: string[];
  text: string;
}> {
  let url = startUrl;
  for (let hop = 0; hop < 20; hop++) {
    const u = new URL(url);
    const cookies = jar.get(u.host) ?? new Map<string, string>();
    jar.set(u.host, cookies);
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    const setCookie = res.headers.getSetCookie();
    for (const c of setCookie) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      cookies.set(pair!.slice(0, i).trim(), pair!.slice(i + 1));
    }
    const location = res.headers.get('location');
    const text = await res.text();
    const isOurs = u.origin === stopAtOrigin && !u.pathname.startsWith('/sso/');
    if (!location || res.status < 300 || res.status >= 400 || isOurs)
      return { status: res.status, location, url, setCookie, text };
    const nextUrl = new URL(location, url).href;
    if (new URL(nextUrl).origin === stopAtOrigin && !new URL(nextUrl).pathname.startsWith('/sso/'))
      return { status: res.status, location: nextUrl, url, setCookie, text };
    url = nextUrl;
  }
  throw new Error('Too many redirects');
}
