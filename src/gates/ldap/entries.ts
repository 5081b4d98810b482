/**
 * From ldapts's raw entry to an LdapUserEntry: attribute names lower-cased, values as
 * text, the stable id as text (AD's binary objectGUID in its GUID string form), and the
 * disabled flag by the directory's own rule.
 */
import type { Entry } from 'ldapts';
import { guidToString } from './guid.ts';
import type { LdapUserEntry, LdapUserSearch } from './types.ts';

/** AD userAccountControl ACCOUNTDISABLE. LOCKOUT (0x10) is a temporary lock, not "disabled". */
export const UAC_ACCOUNTDISABLE = 0x2;

/** Attributes read as bytes: AD's GUIDs and SIDs are binary, not UTF-8. */
export function binaryAttributes(search: LdapUserSearch): string[] {
  if (!search.activeDirectory) return [];
  const names = new Set(['objectGUID', 'objectSid']);
  if (/guid$/i.test(search.idAttribute)) names.add(search.idAttribute);
  // ldapts matches these names case-sensitively against what the server sends.
  for (const n of [...names]) {
    names.add(n.toLowerCase());
    names.add(n.toUpperCase());
  }
  return [...names];
}

/** The attributes a user search asks for: the mapped ones plus what the layer itself needs. */
export function userAttributes(search: LdapUserSearch): string[] {
  const names = new Map<string, string>();
  const add = (n: string): void => {
    if (n && !names.has(n.toLowerCase())) names.set(n.toLowerCase(), n);
  };
  add(search.idAttribute);
  add(search.usernameAttribute);
  for (const a of search.attributes) add(a);
  if (search.activeDirectory) add('userAccountControl');
  else add('pwdAccountLockedTime');
  return [...names.values()];
}

export function valuesOf(raw: Entry, name: string): (string | Buffer)[] {
  const lc = name.toLowerCase();
  for (const key of Object.keys(raw)) {
    if (key.toLowerCase() !== lc) continue;
    const v = raw[key];
    if (v === undefined) return [];
    return Array.isArray(v) ? v : [v];
  }
  return [];
}

/** An attribute value as text: a 16-byte binary value as a GUID, other binary values as hex. */
export function asText(v: string | Buffer, binary: boolean): string {
  if (typeof v === 'string') return v;
  if (binary && v.length === 16) return guidToString(v);
  return binary ? v.toString('hex') : v.toString('utf8');
}

export function stableId(raw: Entry, search: LdapUserSearch): string | undefined {
  const [v] = valuesOf(raw, search.idAttribute);
  return v === undefined ? undefined : stableIdOf(v);
}

/** The stable id's value as the sync keys it: a GUID as text, anything else lower-cased. */
export function stableIdOf(v: string | Buffer): string {
  if (typeof v !== 'string' && v.length === 16) return guidToString(v);
  return asText(v, false).toLowerCase();
}

export function isDisabled(raw: Entry, search: LdapUserSearch): boolean {
  const [v] = valuesOf(raw, search.activeDirectory ? 'userAccountControl' : 'pwdAccountLockedTime');
  return disabledBy(v, search.activeDirectory);
}

/**
 * Whether the one attribute that says so marks the entry disabled: AD's userAccountControl
 * with the ACCOUNTDISABLE bit (its LOCKOUT bit is a temporary lockout, not this), or
 * OpenLDAP ppolicy's pwdAccountLockedTime "000001010000Z", a permanent administrative lock.
 */
export function disabledBy(v: string | Buffer | undefined, activeDirectory: boolean): boolean {
  if (v === undefined) return false;
  const text = asText(v, false);
  if (activeDirectory) {
    const n = Number(text);
    return Number.isFinite(n) && (n & UAC_ACCOUNTDISABLE) !== 0;
  }
  return text.startsWith('000001010000');
}
/** undefined when the entry lacks its stable id or username (it cannot be synced safely). */
export function toUserEntry(raw: Entry, search: LdapUserSearch): LdapUserEntry | undefined {
  const id = stableId(raw, search);
  const [username] = valuesOf(raw, search.usernameAttribute);
  if (id === undefined || username === undefined) return undefined;
  const binary = new Set(binaryAttributes(search).map((n) => n.toLowerCase()));
  const attributes: Record<string, string[]> = {};
  for (const key of Object.keys(raw)) {
    if (key === 'dn') continue;
    const lc = key.toLowerCase();
    attributes[lc] = valuesOf(raw, key).map((v) => asText(v, binary.has(lc)));
  }
  return {
    dn: raw.dn,
    id,
    username: asText(username, false),
    attributes,
    disabled: isDisabled(raw, search),
  };
}
