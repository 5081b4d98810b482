/**
 * Escaping of user input that enters LDAP filters (RFC 4515) and DNs (RFC 4514). Every
 * value typed by a person (a username at sign-in, a group DN in a filter) goes through one
 * of these: an unescaped `*` or `)` would change what the search means.
 */

/** A value inside a filter assertion: `\ * ( ) NUL` and non-ASCII bytes as `\XX`. */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (
      byte === 0x5c ||
      byte === 0x2a ||
      byte === 0x28 ||
      byte === 0x29 ||
      byte === 0 ||
      byte > 0x7e
    ) {
      out += '\\' + byte.toString(16).padStart(2, '0');
    } else {
      out += c;
    }
  }
  return out;
}

/** An attribute value that becomes one RDN of a DN: `, + " \ < > ; =`, a leading `#`/space, a trailing space. */
export function escapeDnValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    const special = ',+"\\<>;='.includes(c);
    const leading = i === 0 && (c === '#' || c === ' ');
    const trailing = i === value.length - 1 && c === ' ';
    if (c === '\0') out += '\\00';
    else if (special || leading || trailing) out += '\\' + c;
    else out += c;
  }
  return out;
}

/** Binary bytes as a filter value (`\xx` each), for objectGUID / objectSid assertions. */
export function escapeFilterBytes(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += '\\' + b.toString(16).padStart(2, '0');
  return out;
}
