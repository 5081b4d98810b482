/**
 * One connection to a directory: connect (ldaps:// or ldap:// with optional StartTLS, the
 * extra CA trusted beside the system store), bind, and close. Every function of the layer
 * opens one through `withClient` and closes it however the work ends.
 */
import type { ConnectionOptions } from 'node:tls';
import type { Client } from 'ldapts';
import { ldapts } from './ldapts.ts';
import { toLdapError } from './errors.ts';
import { LdapError, type LdapConnectionSettings } from './types.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;

/** node:net and node:tls are loaded here, at the first connection (ldapts.ts says why). */
async function tlsOptionsFor(conn: LdapConnectionSettings): Promise<ConnectionOptions> {
  const [{ isIP }, { rootCertificates }] = await Promise.all([
    import('node:net'),
    import('node:tls'),
  ]);
  const url = parseUrl(conn.url);
  const opts: ConnectionOptions = { host: url.hostname, minVersion: 'TLSv1.2' };
  // SNI must not carry an IP address; the certificate check then matches IP SANs.
  if (isIP(url.hostname) === 0) opts.servername = url.hostname;
  if (conn.caPem?.trim()) opts.ca = [...rootCertificates, conn.caPem];
  return opts;
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    throw new LdapError(
      'other',
      `The directory URL ${raw} is not a valid URL: write it as ldap://host:389 or ldaps://host:636.`,
      err,
    );
  }
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:')
    throw new LdapError('other', `The directory URL ${raw} must start with ldap:// or ldaps://.`);
  // IPv6 literals come bracketed from URL; Node's sockets want them bare.
  if (url.hostname.startsWith('[')) url.hostname = url.hostname.slice(1, -1);
  return url;
}

/** A connected client, TLS negotiated, not yet bound. */
export async function connect(conn: LdapConnectionSettings): Promise<Client> {
  const url = parseUrl(conn.url);
  const timeout = conn.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tlsOptions = await tlsOptionsFor(conn);
  const { Client } = await ldapts();
  const client = new Client({
    url: `${url.protocol}//${url.host}`,
    timeout,
    connectTimeout: timeout,
    // ldapts uses TLS from the first byte whenever tlsOptions are given, so only for ldaps://.
    ...(url.protocol === 'ldaps:' ? { tlsOptions } : {}),
    strictDN: false,
  });
  if (conn.startTls) {
    if (url.protocol === 'ldaps:') {
      await client.unbind().catch(() => undefined);
      throw new LdapError(
        'other',
        'StartTLS is for ldap:// URLs; an ldaps:// connection is already encrypted: turn StartTLS off or use ldap://.',
      );
    }
    try {
      await client.startTLS(tlsOptions);
    } catch (err) {
      await client.unbind().catch(() => undefined);
      throw toLdapError(err, { url: conn.url, phase: 'starttls' });
    }
  }
  return client;
}

/** Connect and bind as the service account. */
export async function openClient(conn: LdapConnectionSettings): Promise<Client> {
  const client = await connect(conn);
  try {
    await bindAs(client, conn, conn.bindDn, conn.bindPassword);
  } catch (err) {
    await client.unbind().catch(() => undefined);
    throw err;
  }
  return client;
}

export async function bindAs(
  client: Client,
  conn: LdapConnectionSettings,
  dn: string,
  password: string,
): Promise<void> {
  // An empty password is an unauthenticated bind (RFC 4513 5.1.2): it "succeeds" as anonymous.
  if (dn !== '' && password === '')
    throw new LdapError(
      'invalid_credentials',
      'The bind password is empty: an empty password would bind anonymously, so it is refused.',
    );
  try {
    await client.bind(dn, password);
  } catch (err) {
    throw toLdapError(err, { url: conn.url, phase: 'bind' });
  }
}

export async function withClient<T>(
  conn: LdapConnectionSettings,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = await openClient(conn);
  try {
    return await work(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
