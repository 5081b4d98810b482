/**
 * Turns what ldapts and Node's sockets throw into an LdapError with a kind the sync and the
 * sign-in act on, and a sentence an administrator can act on. ldapts's result-code errors
 * carry the LDAP result code in `.code` (a number); socket and TLS errors carry Node's
 * string codes.
 */
import { LdapError, type LdapErrorKind } from './types.ts';

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

export interface ErrorContext {
  url: string;
  baseDn?: string;
  filter?: string;
  /** What was being done, for the sentence: 'bind', 'search', … */
  phase?: 'connect' | 'bind' | 'search' | 'starttls';
}

export function ldapErrorKindOf(err: unknown): LdapErrorKind {
  return toLdapError(err, { url: '' }).kind;
}

export function toLdapError(err: unknown, ctx: ErrorContext): LdapError {
  if (err instanceof LdapError) return err;
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = e?.code;
  const text = typeof e?.message === 'string' ? e.message : String(err);
  const make = (kind: LdapErrorKind, message: string): LdapError =>
    new LdapError(kind, message, err);

  if (typeof code === 'string') {
    if (code === 'ECONNREFUSED')
      return make(
        'connection_refused',
        `The directory at ${ctx.url} refused the connection: check the address and port, and that the server is running.`,
      );
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      return make(
        'connection_refused',
        `The directory host in ${ctx.url} could not be found: check the address.`,
      );
    if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
      return make(
        'timeout',
        `The directory at ${ctx.url} did not answer in time: check the address, the port and the firewall.`,
      );
    if (code === 'ECONNRESET' || code === 'EPIPE')
      return make(
        'partial_results',
        `The connection to the directory at ${ctx.url} was lost during the ${ctx.phase ?? 'operation'}; nothing read from it was used.`,
      );
    if (
      TLS_CODES.has(code) ||
      code.startsWith('ERR_TLS') ||
      code.startsWith('ERR_SSL') ||
      code.startsWith('CERT_')
    )
      return make(
        'tls',
        `The TLS connection to ${ctx.url} failed (${code}): check that the CA certificate is the one that signed the server's certificate, and that the certificate names the host.`,
      );
  }
  if (typeof code === 'number') {
    switch (code) {
      case 49:
        return make(
          'invalid_credentials',
          ctx.phase === 'bind'
            ? `The directory refused the bind DN or password: check both.`
            : `The directory refused the credentials: check the bind DN and password.`,
        );
      case 32:
        return make(
          'base_dn_not_found',
          `The base DN ${ctx.baseDn ?? ''} does not exist in the directory: check its spelling and the domain components.`.replace(
            '  ',
            ' ',
          ),
        );
      case 34:
        return make(
          'base_dn_not_found',
          `A DN is not valid LDAP syntax (${ctx.baseDn ?? 'base DN'}): check its spelling.`,
        );
      case 4:
      case 11:
        return make(
          'size_limit',
          `The directory stopped the search at its size limit: the search must be paged (it is) and the bind account allowed to page past the limit; nothing was used from this partial result.`,
        );
      case 3:
        return make(
          'timeout',
          `The directory stopped the search at its time limit: narrow the base DN or filter, or raise the server's limit.`,
        );
      case 10:
      case 9:
        return make(
          'partial_results',
          `The directory answered with a referral to another server instead of the entries: point the URL at a server that holds the base DN (for AD, a domain controller of that domain).`,
        );
      case 8:
      case 13:
        return make(
          'tls',
          `The directory requires an encrypted connection for this bind: use ldaps:// or StartTLS.`,
        );
      case 87:
        return make(
          'bad_filter',
          `The directory rejected the filter ${ctx.filter ?? ''}: check its syntax (RFC 4515: parentheses, escaping).`,
        );
      case 50:
        return make(
          'other',
          `The bind account may not read ${ctx.baseDn ?? 'this part of the directory'}: give it read access.`,
        );
      case 51:
      case 52:
        return make('connection_refused', `The directory is busy or unavailable: try again later.`);
      case 53:
        return make(
          'other',
          `The directory refused the operation (unwilling to perform): ${cleanDiagnostic(text)}`,
        );
      case 112:
        return make(
          'tls',
          `The directory does not support StartTLS: use ldaps:// or turn StartTLS off.`,
        );
      default:
        return make(
          'other',
          `The directory answered with LDAP result code ${code}: ${cleanDiagnostic(text)}`,
        );
    }
  }
  if (
    /Filter cannot be empty|Unbalanced parens|Invalid filter|filter/i.test(text) &&
    ctx.phase === 'search'
  )
    return make(
      'bad_filter',
      `The filter ${ctx.filter ?? ''} is not valid LDAP filter syntax: check its parentheses and escaping (RFC 4515).`,
    );
  if (/timed? ?out/i.test(text))
    return make(
      'timeout',
      `The directory at ${ctx.url} did not answer in time: check that the server is up and not overloaded.`,
    );
  if (/Connection closed|Socket error|Socket connection not established/i.test(text))
    return make(
      'partial_results',
      `The connection to the directory at ${ctx.url} was lost during the ${ctx.phase ?? 'operation'}; nothing read from it was used.`,
    );
  if (/certificate|ssl|tls/i.test(text))
    return make('tls', `The TLS connection to ${ctx.url} failed: ${text}`);
  return make('other', `The directory operation failed: ${text}`);
}

/** ldapts appends " Code: 0x.."; AD's diagnostics carry a NUL at the end. */
function cleanDiagnostic(text: string): string {
  return text
    .replace(/\s*Code: 0x[0-9a-f]+$/i, '')
    .replace(/\0/g, '')
    .trim();
}
