/**
 * A real SAML 2.0 identity provider for the tests: Debian's SimpleSAMLphp under `php -S`.
 *
 * Started once per test run: the first test process of a run (the processes of one
 * `node --test` share their parent) makes the state directory atomically (mkdir is the
 * lock), starts PHP and writes ready.json; the others wait for that file. A small shell
 * watcher stops PHP and removes the directory when the runner exits.
 *
 * Service providers and users are files the IdP reads on every request
 * (metadata/sp/*.php, users/*.php), so each test registers its own Gatehouse SP (from the
 * SP's real metadata) and its own people without a restart.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import type { App } from '../../src/app.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { makeSelfSigned, certificateBody } from '../../src/gates/sso/saml/certificate.ts';
import { resolveSamlConfig } from '../../src/gates/sso/saml/idp-metadata.ts';

const SSP_WWW = '/usr/share/simplesamlphp/www';
const DEBIAN_CONFIG = '/etc/simplesamlphp/config.php';
export const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
export const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

interface ReadyState {
  baseUrl: string;
  entityId: string;
  certificatePem: string;
  privateKeyPem: string;
  dir: string;
}

export interface SpRegistration {
  /** The SP's metadata XML as Gatehouse serves it: entity id, ACS and certificates come from it. */
  metadataXml: string;
  nameIdFormat?: string;
  signResponse?: boolean;
  signAssertion?: boolean;
  encryptAssertion?: boolean;
  /** Require signed AuthnRequests (checked with the SP's signing certificate). */
  validateAuthnRequest?: boolean;
}

export interface PostedResponse {
  /** Where the IdP's form posts (the ACS). */
  action: string;
  SAMLResponse: string;
  RelayState?: string;
  /**
   * The cookie the browser that started the login holds for this site (`name=value`, the
   * login's browser binding), sent with the post as that browser would; absent for an
   * IdP-initiated login, which no browser started here.
   */
  cookie?: string;
}

export class SimpleSamlPhp {
  constructor(private readonly s: ReadyState) {}
  get baseUrl(): string {
    return this.s.baseUrl;
  }
  get entityId(): string {
    return this.s.entityId;
  }
  /** The IdP's signing certificate (PEM). */
  get certificatePem(): string {
    return this.s.certificatePem;
  }
  /** Its private key, for tests that make a response "from the IdP" by hand. */
  get privateKeyPem(): string {
    return this.s.privateKeyPem;
  }
  get ssoUrl(): string {
    return `${this.s.baseUrl}saml2/idp/SSOService.php`;
  }
  get metadataUrl(): string {
    return `${this.s.baseUrl}saml2/idp/metadata.php`;
  }

  /** A person who can sign in at the IdP; attributes as the IdP sends them. */
  addUser(username: string, password: string, attributes: Record<string, string[]>): void {
    const attrs = { uid: [username], ...attributes };
    const file = path.join(this.s.dir, 'users', `${safe(username)}.php`);
    writeAtomic(file, `<?php\nreturn [${php(`${username}:${password}`)} => ${php(attrs)}];\n`);
  }

  /** Registers a Gatehouse SP from its metadata; returns its entity id. */
  registerSp(reg: SpRegistration): string {
    const xml = reg.metadataXml;
    const entityId = /entityID="([^"]+)"/.exec(xml)?.[1];
    const acs = /<(?:\w+:)?AssertionConsumerService[^>]*Location="([^"]+)"/.exec(xml)?.[1];
    if (!entityId || !acs) throw new Error('SP metadata without entityID or ACS');
    const keys: Record<string, unknown>[] = [];
    const keyRe =
      /<(?:\w+:)?KeyDescriptor(?:\s+use="(\w+)")?[^>]*>[\s\S]*?<(?:\w+:)?X509Certificate>([^<]+)</g;
    for (const m of xml.matchAll(keyRe)) {
      const use = m[1];
      keys.push({
        type: 'X509Certificate',
        signing: use !== 'encryption',
        encryption: use !== 'signing',
        X509Certificate: certificateBody(m[2] ?? ''),
      });
    }
    const meta: Record<string, unknown> = {
      entityid: entityId,
      AssertionConsumerService: [
        { Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', Location: decode(acs) },
      ],
      keys,
      NameIDFormat: reg.nameIdFormat ?? PERSISTENT,
      'simplesaml.nameidattribute': 'uid',
      'saml20.sign.response': reg.signResponse ?? true,
      'saml20.sign.assertion': reg.signAssertion ?? true,
      'assertion.encryption': reg.encryptAssertion ?? false,
      'validate.authnrequest': reg.validateAuthnRequest ?? false,
      'signature.algorithm': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    };
    const id = createHash('sha256').update(entityId).digest('hex').slice(0, 16);
    writeAtomic(
      path.join(this.s.dir, 'metadata', 'sp', `${id}.php`),
      `<?php\n$metadata[${php(entityId)}] = ${php(meta)};\n`,
    );
    return entityId;
  }

  /**
   * Follows an SP's redirect to the IdP, signs in at SimpleSAMLphp's form as a person,
   * and returns what the IdP's auto-submitting page would POST to the ACS.
   */
  async login(redirectUrl: string, username: string, password: string): Promise<PostedResponse> {
    const jar = new Map<string, string>();
    let res = await follow(redirectUrl, jar);
    let html = await res.text();
    for (let step = 0; step < 5; step++) {
      const posted = postForm(html);
      if (posted) return posted;
      const authState = /name="AuthState"\s+value="([^"]+)"/.exec(html)?.[1];
      if (!authState)
        throw new Error(`SimpleSAMLphp answered no login form: ${html.slice(0, 500)}`);
      res = await follow(res.url, jar, {
        username,
        password,
        AuthState: decode(authState),
      });
      html = await res.text();
      if (/name="password"/.test(html) && /error|incorrect|wrong/i.test(html))
        throw new Error(`SimpleSAMLphp refused the password of ${username}`);
    }
    throw new Error('SimpleSAMLphp did not answer with a SAML response');
  }

  /** An IdP-initiated (unsolicited) login to the SP. */
  async idpInitiated(
    spEntityId: string,
    username: string,
    password: string,
  ): Promise<PostedResponse> {
    const url = `${this.ssoUrl}?spentityid=${encodeURIComponent(spEntityId)}`;
    return this.login(url, username, password);
  }
}

let started: Promise<SimpleSamlPhp> | undefined;

/**
 * The run's SimpleSAMLphp, started on first use. `ownerPid` is the process whose exit
 * stops it: by default the test runner (this process's parent); a bench passes its own pid.
 */
export function simpleSamlPhp(ownerPid = process.ppid): Promise<SimpleSamlPhp> {
  started ??= startOrJoin(ownerPid);
  return started;
}

async function startOrJoin(ownerPid: number): Promise<SimpleSamlPhp> {
  const dir = path.join(os.tmpdir(), `gatehouse-simplesamlphp-${ownerPid}`);
  const ready = path.join(dir, 'ready.json');
  let mine = false;
  try {
    fs.mkdirSync(dir);
    mine = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (mine) {
    try {
      const state = await start(dir, ownerPid);
      writeAtomic(ready, JSON.stringify(state));
    } catch (err) {
      writeAtomic(path.join(dir, 'error.txt'), String(err));
      throw err;
    }
  }
  for (let i = 0; i < 600; i++) {
    if (fs.existsSync(ready)) {
      const state = JSON.parse(fs.readFileSync(ready, 'utf8')) as ReadyState;
      return new SimpleSamlPhp(state);
    }
    const error = path.join(dir, 'error.txt');
    if (fs.existsSync(error))
      throw new Error(`SimpleSAMLphp failed to start: ${fs.readFileSync(error, 'utf8')}`);
    await sleep(100);
  }
  throw new Error(`SimpleSAMLphp did not start within 60 s (state in ${dir})`);
}

async function start(dir: string, ownerPid: number): Promise<ReadyState> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}/`;
  const entityId = `${baseUrl}saml2/idp/metadata.php`;
  for (const sub of ['config', 'cert', 'metadata/sp', 'users', 'tmp', 'log', 'data', 'sessions'])
    fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const pair = makeSelfSigned('SimpleSAMLphp test IdP');
  fs.writeFileSync(path.join(dir, 'cert', 'idp.pem'), pair.privateKeyPem);
  fs.writeFileSync(path.join(dir, 'cert', 'idp.crt'), pair.certificatePem);
  const overrides: Record<string, unknown> = {
    baseurlpath: baseUrl,
    certdir: `${dir}/cert/`,
    loggingdir: `${dir}/log/`,
    datadir: `${dir}/data/`,
    tempdir: `${dir}/tmp`,
    metadatadir: `${dir}/metadata/`,
    secretsalt: 'gatehouse-test-salt',
    'auth.adminpassword': 'gatehouse-test-admin',
    'admin.checkforupdates': false,
    'logging.handler': 'file',
    'logging.logfile': 'simplesamlphp.log',
    'enable.saml20-idp': true,
    'session.cookie.secure': false,
    'session.cookie.samesite': 'Lax',
    'language.cookie.secure': false,
    'language.cookie.samesite': 'Lax',
    'session.phpsession.savepath': `${dir}/sessions`,
    'store.type': 'phpsession',
    'authproc.idp': [],
    'module.enable': { exampleauth: true, core: true, saml: true, admin: true },
  };
  fs.writeFileSync(
    path.join(dir, 'config', 'config.php'),
    `<?php\ninclude ${php(DEBIAN_CONFIG)};\n` +
      Object.entries(overrides)
        .map(([k, v]) => `$config[${php(k)}] = ${php(v)};`)
        .join('\n') +
      '\n',
  );
  fs.writeFileSync(
    path.join(dir, 'config', 'authsources.php'),
    `<?php
$users = [];
foreach (glob(${php(`${dir}/users/`)} . '*.php') as $f) { $users = array_merge($users, include $f); }
$config = [
  'admin' => ['core:AdminPassword'],
  'example-userpass' => array_merge(['exampleauth:UserPass'], $users),
];
`,
  );
  fs.writeFileSync(
    path.join(dir, 'metadata', 'saml20-idp-hosted.php'),
    `<?php\n$metadata[${php(entityId)}] = ${php({
      host: '__DEFAULT__',
      privatekey: 'idp.pem',
      certificate: 'idp.crt',
      auth: 'example-userpass',
      'signature.algorithm': 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      'simplesaml.nameidattribute': 'uid',
      'userid.attribute': 'uid',
    })};\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'metadata', 'saml20-sp-remote.php'),
    `<?php\nforeach (glob(__DIR__ . '/sp/*.php') as $f) { include $f; }\n`,
  );
  // The watcher: PHP lives as long as the owner (the test runner) does. It is detached, so
  // it leads its own process group: "kill 0" at the end stops PHP's workers too
  // (PHP_CLI_SERVER_WORKERS forks them; killing the master alone leaves them running).
  const script = `php -S 127.0.0.1:${port} -t ${SSP_WWW} >${dir}/log/php.log 2>&1 & p=$!
while kill -0 ${ownerPid} 2>/dev/null && kill -0 $p 2>/dev/null; do sleep 1; done
rm -rf ${dir}; kill -TERM 0`;
  const child = spawn('sh', ['-c', script], {
    detached: true,
    stdio: 'ignore',
    env: {
      ...process.env,
      SIMPLESAMLPHP_CONFIG_DIR: path.join(dir, 'config'),
      PHP_CLI_SERVER_WORKERS: '8',
    },
  });
  child.unref();
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${baseUrl}saml2/idp/metadata.php`);
      if (r.ok) {
        await r.text();
        return {
          baseUrl,
          entityId,
          certificatePem: pair.certificatePem,
          privateKeyPem: pair.privateKeyPem,
          dir,
        };
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`SimpleSAMLphp did not answer on ${baseUrl} (see ${dir}/log/php.log)`);
}

/** GET (or POST a form) and follow redirects by hand, keeping the IdP's cookies. */
async function follow(
  url: string,
  jar: Map<string, string>,
  form?: Record<string, string>,
): Promise<Response> {
  let next = url;
  let body: URLSearchParams | undefined = form ? new URLSearchParams(form) : undefined;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(next, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      next = new URL(location, next).toString();
      body = undefined;
      continue;
    }
    Object.defineProperty(res, 'url', { value: next });
    return res;
  }
  throw new Error(`Too many redirects from ${url}`);
}

function postForm(html: string): PostedResponse | null {
  const response = /name="SAMLResponse"\s+value="([^"]+)"/.exec(html)?.[1];
  if (!response) return null;
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1] ?? '';
  const relay = /name="RelayState"\s+value="([^"]*)"/.exec(html)?.[1];
  return {
    action: decode(action),
    SAMLResponse: decode(response),
    ...(relay !== undefined ? { RelayState: decode(relay) } : {}),
  };
}

function decode(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&amp;/g, '&');
}

/** A PHP literal for a JSON-like value. */
function php(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(php).join(', ')}]`;
  return `[${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${php(k)} => ${php(x)}`)
    .join(', ')}]`;
}

function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

// ---- a Gatehouse test server connected to the IdP ---------------------------------------

export interface SamlConnection {
  providerId: number;
  spEntityId: string;
  /** Starts a login at Gatehouse (GET /sso/{id}/login) and signs in at the IdP. */
  idpResponse(username: string, password: string, returnTo?: string): Promise<PostedResponse>;
  /**
   * Posts a response to the ACS as the browser's auto-submitted form would: with the
   * starting browser's cookie (posted.cookie), or with `opts.cookie` (null: none at all,
   * as from another browser).
   */
  post(
    posted: PostedResponse,
    samlResponse?: string,
    opts?: { cookie?: string | null },
  ): Promise<Response>;
}

export interface ConnectOptions extends Omit<SpRegistration, 'metadataXml'> {
  /** Provider fields (ProviderInput) besides the SAML config. */
  provider?: Record<string, unknown>;
  signRequests?: boolean;
}

/**
 * Makes a SAML identity provider in a test server from the IdP's metadata URL (through the
 * SAML gate's metadata resolution, as the API does) and registers the server's SP metadata
 * (fetched over HTTP, without sign-in) at the IdP.
 */
export async function connectSaml(
  server: { url: string; app: App },
  idp: SimpleSamlPhp,
  opts: ConnectOptions = {},
): Promise<SamlConnection> {
  const saml = await resolveSamlConfig({
    metadata_url: idp.metadataUrl,
    sign_requests: opts.signRequests ?? false,
  });
  const provider = await server.app.sso.providers.create(SYSTEM_ACTOR, {
    type: 'saml',
    name: 'SimpleSAMLphp',
    button_text: 'Sign in with SimpleSAMLphp',
    attribute_mapping: {
      username: 'uid',
      email: 'mail',
      firstname: 'givenName',
      surname: 'sn',
    },
    provision_on_first_login: true,
    ...opts.provider,
    saml,
  });
  const metadata = await fetch(`${server.url}/sso/${provider.id}/metadata`);
  if (!metadata.ok) throw new Error(`SP metadata answered ${metadata.status}`);
  const spEntityId = idp.registerSp({
    metadataXml: await metadata.text(),
    ...opts,
    validateAuthnRequest: opts.validateAuthnRequest ?? opts.signRequests ?? false,
  });
  return {
    providerId: provider.id,
    spEntityId,
    async idpResponse(username, password, returnTo) {
      const q = returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : '';
      const start = await fetch(`${server.url}/sso/${provider.id}/login${q}`, {
        redirect: 'manual',
      });
      const location = start.headers.get('location');
      if (start.status !== 302 || !location)
        throw new Error(`GET /sso/${provider.id}/login answered ${start.status}`);
      const cookie = start.headers
        .getSetCookie()
        .find((c) => c.startsWith('gh_sso_browser='))
        ?.split(';')[0];
      return { ...(await idp.login(location, username, password)), ...(cookie ? { cookie } : {}) };
    },
    post(posted, samlResponse, opts = {}) {
      const cookie = opts.cookie === undefined ? posted.cookie : opts.cookie;
      return fetch(posted.action, {
        method: 'POST',
        redirect: 'manual',
        ...(cookie ? { headers: { cookie } } : {}),
        body: new URLSearchParams({
          SAMLResponse: samlResponse ?? posted.SAMLResponse,
          ...(posted.RelayState !== undefined ? { RelayState: posted.RelayState } : {}),
        }),
      });
    },
  };
}

/** The response's XML, and back. */
export const samlXml = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
export const samlB64 = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');
