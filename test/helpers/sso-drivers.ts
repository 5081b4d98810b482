/**
 * One way to drive a whole SSO login through either real identity provider, so a test can
 * run the same rows of the first-login decision through SAML (SimpleSAMLphp) and OpenID
 * Connect (oidc-provider): make a person at the IdP, sign them in there, and get our answer
 * (the ACS's or the callback's) as the person's browser would see it.
 */
import { SESSION_COOKIE } from '../../src/gates/api/authenticate.ts';
import { startOidcProvider, type TestOidcProvider } from './oidc-provider.ts';
import { connectSaml, simpleSamlPhp, type SamlConnection } from './simplesamlphp.ts';
import type { TestServer } from './server.ts';

export interface LoginAnswer {
  status: number;
  location: string | null;
  /** The page's HTML (empty for a redirect). */
  text: string;
  /** The console session cookie (`name=value`) when the answer set one. */
  cookie: string | undefined;
}

/**
 * A login prepared up to our endpoint and not yet delivered (the IdP's POST to the ACS, or
 * the IdP's redirect to the callback), to deliver many at once.
 */
export type PreparedLogin = () => Promise<LoginAnswer>;

export interface IdpDriver {
  protocol: 'saml' | 'oidc';
  providerId: number;
  /** A person who can sign in at the IdP, with a username, email and names. */
  addPerson(username: string): void;
  /** The identity's subject as the IdP sends it (what the link stores). */
  subjectOf(username: string): string;
  /** A whole login: our /sso/{id}/login, the IdP's sign-in, our ACS or callback. */
  login(username: string): Promise<LoginAnswer>;
  /** Everything but the last step: the person signed in at the IdP, the answer not delivered. */
  prepare(username: string): Promise<PreparedLogin>;
  close(): Promise<void>;
}

const MAPPING_OIDC = {
  username: 'preferred_username',
  email: 'email',
  firstname: 'given_name',
  surname: 'family_name',
};

function sessionOf(setCookie: string[]): string | undefined {
  return setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.split(';')[0];
}

async function answerOf(res: Response): Promise<LoginAnswer> {
  return {
    status: res.status,
    location: res.headers.get('location'),
    text: await res.text(),
    cookie: sessionOf(res.headers.getSetCookie()),
  };
}

const emailOf = (username: string) => `${username}@idp.example`;

/** A SAML provider on the server, connected to the run's SimpleSAMLphp. */
export async function samlDriver(
  server: TestServer,
  provider: Record<string, unknown> = {},
): Promise<IdpDriver> {
  const idp = await simpleSamlPhp();
  const c: SamlConnection = await connectSaml(server, idp, { provider });
  const password = (u: string) => `${u}-pw`;
  return {
    protocol: 'saml',
    providerId: c.providerId,
    addPerson(username) {
      idp.addUser(username, password(username), {
        mail: [emailOf(username)],
        givenName: ['Samuel'],
        sn: ['Saml'],
      });
    },
    // The IdP's persistent NameID is the uid (helpers/simplesamlphp.ts).
    subjectOf: (username) => username,
    async login(username) {
      return answerOf(await c.post(await c.idpResponse(username, password(username))));
    },
    async prepare(username) {
      const posted = await c.idpResponse(username, password(username));
      return async () => answerOf(await c.post(posted));
    },
    close: () => Promise.resolve(),
  };
}

/** An OIDC provider on the server, with its own oidc-provider (in this process). */
export async function oidcDriver(
  server: TestServer,
  provider: Record<string, unknown> = {},
): Promise<IdpDriver> {
  const op: TestOidcProvider = await startOidcProvider();
  const clientId = `rows-${Math.random().toString(36).slice(2, 10)}`;
  const clientSecret = `${clientId}-secret-0123456789abcdef`;
  const r = await server.request('POST', '/api/people/v2/identity-providers', {
    body: {
      type: 'oidc',
      name: 'oidc-provider',
      issuer: op.issuer,
      client_id: clientId,
      client_secret: clientSecret,
      attribute_mapping: MAPPING_OIDC,
      ...provider,
    },
  });
  if (r.status !== 201) throw new Error(`POST identity-providers answered ${r.status}: ${r.text}`);
  const providerId = r.body.id as number;
  op.start([
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`${server.url}/sso/${providerId}/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ]);
  const subjectOf = (username: string) => `op-${username}`;
  return {
    protocol: 'oidc',
    providerId,
    addPerson(username) {
      op.addAccount({
        sub: subjectOf(username),
        claims: {
          preferred_username: username,
          email: emailOf(username),
          email_verified: true,
          given_name: 'Olivia',
          family_name: 'Oidc',
        },
      });
    },
    subjectOf,
    // Not followLogin: our answer is the last step (a redirect elsewhere is not followed).
    login: async (username) => (await prepare(username))(),
    prepare,
    close: () => op.close(),
  };

  async function prepare(username: string): Promise<PreparedLogin> {
    // Walk our /login and the OP's redirects by hand, stopping at the OP's redirect to
    // our callback; the browser's binding cookie goes with the callback later.
    op.nextLogin(subjectOf(username));
    const start = await fetch(`${server.url}/sso/${providerId}/login`, { redirect: 'manual' });
    const bind = start.headers
      .getSetCookie()
      .find((x) => x.startsWith('gh_sso_browser='))
      ?.split(';')[0];
    if (!bind) throw new Error('GET /sso/{id}/login set no browser binding cookie');
    const jar = new Map<string, string>();
    let url = new URL(start.headers.get('location') ?? '', server.url).href;
    for (let hop = 0; hop < 10; hop++) {
      if (url.startsWith(`${server.url}/sso/`)) {
        const callback = url;
        return async () =>
          answerOf(await fetch(callback, { redirect: 'manual', headers: { cookie: bind } }));
      }
      const res = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair?.indexOf('=') ?? -1;
        if (pair && i > 0) jar.set(pair.slice(0, i), pair.slice(i + 1));
      }
      await res.arrayBuffer();
      url = new URL(res.headers.get('location') ?? '', url).href;
    }
    throw new Error('the OpenID Provider did not send the browser back');
  }
}
