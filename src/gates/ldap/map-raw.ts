/**
 * ldapts's raw entry → the core's DirectoryEntry in one pass, through the directory's
 * attribute mapping `{ gatehouseField | 'profile.<name>' | 'manager_id': attributeName }`:
 * the stable id, the username, the disabled flag by the directory's rule, and each mapped
 * attribute's first value as text, trimmed; a mapped attribute the entry lacks maps to ''
 * (the directory cleared it), and fields not in the mapping are left out, so the core does
 * not touch them. The one mapping of LDAP entries: the sync's read, the connection test's
 * sample, the sign-in bind's lookup and SSO's just-in-time lookup all use it. One pass over
 * the entry's keys into per-attribute slots, with no record of every attribute's values: on
 * a run of 100,000 entries such records were most of what the garbage collector copied
 * (docs/benchmarks.md, session 7).
 */
import type { Entry } from 'ldapts';
import { SYNCABLE_FIELDS, type SyncableField } from '../../core/sync/types.ts';
import { asText, binaryAttributes, disabledBy, stableIdOf } from './entries.ts';
import type { LdapAttributeMapping, LdapUserSearch, MappedEntry } from './types.ts';

const FIELDS = new Set<string>(SYNCABLE_FIELDS);

/** Keys of a mapping that are no Gatehouse field, profile field or manager_id. */
export function unknownMappingKeys(mapping: LdapAttributeMapping): string[] {
  return Object.keys(mapping).filter(
    (k) => !FIELDS.has(k) && k !== 'manager_id' && !(k.startsWith('profile.') && k.length > 8),
  );
}

/** Where a mapped attribute's value goes, in the mapping's order. */
type Target =
  | { kind: 'field'; field: SyncableField; slot: number }
  | { kind: 'profile'; name: string; slot: number }
  | { kind: 'manager'; slot: number };

type RawValue = string | Buffer;

function firstValue(v: Entry[string] | undefined): RawValue | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A converter for one search and mapping; undefined for an entry without its stable id or
 * username (the caller names it as a configuration error: search.ts).
 */
export function rawEntryMapper(
  search: LdapUserSearch,
  mapping: LdapAttributeMapping,
): (raw: Entry) => MappedEntry | undefined {
  const binary = new Set(binaryAttributes(search).map((n) => n.toLowerCase()));
  // Each lower-cased attribute the conversion reads gets a slot; an entry's first value of
  // that attribute lands there (the first key of that name, as valuesOf finds it).
  const slots = new Map<string, number>();
  const slotOf = (name: string): number => {
    const lc = name.toLowerCase();
    let s = slots.get(lc);
    if (s === undefined) slots.set(lc, (s = slots.size));
    return s;
  };
  const idSlot = slotOf(search.idAttribute);
  const usernameSlot = slotOf(search.usernameAttribute);
  const disabledSlot = slotOf(
    search.activeDirectory ? 'userAccountControl' : 'pwdAccountLockedTime',
  );
  const targets: Target[] = [];
  for (const [key, attribute] of Object.entries(mapping)) {
    if (!attribute) continue;
    if (FIELDS.has(key))
      targets.push({ kind: 'field', field: key as SyncableField, slot: slotOf(attribute) });
    else if (key.startsWith('profile.'))
      targets.push({
        kind: 'profile',
        name: key.slice('profile.'.length),
        slot: slotOf(attribute),
      });
    else if (key === 'manager_id') targets.push({ kind: 'manager', slot: slotOf(attribute) });
  }
  const binarySlot = [...slots.keys()].map((lc) => binary.has(lc));
  // Attribute names as servers send them, lower-cased once per distinct spelling.
  const lower = new Map<string, number>();
  const slotOfKey = (key: string): number => {
    let s = lower.get(key);
    if (s === undefined) lower.set(key, (s = slots.get(key.toLowerCase()) ?? -1));
    return s;
  };
  const n = slots.size;
  // Scratch of the entry being converted (the conversion is synchronous): no arrays per entry.
  const values: (RawValue | undefined)[] = new Array<RawValue | undefined>(n);
  const filled: boolean[] = new Array<boolean>(n);
  return (raw) => {
    values.fill(undefined);
    filled.fill(false);
    for (const key of Object.keys(raw)) {
      if (key === 'dn') continue;
      const s = slotOfKey(key);
      if (s < 0 || filled[s]) continue;
      filled[s] = true;
      values[s] = firstValue(raw[key]);
    }
    const idRaw = values[idSlot];
    const usernameRaw = values[usernameSlot];
    if (idRaw === undefined || usernameRaw === undefined) return undefined;
    const externalId = stableIdOf(idRaw);
    const fields: Partial<Record<SyncableField, string>> = {};
    const profile: Record<string, string> = {};
    const out: MappedEntry = {
      externalId,
      username: asText(usernameRaw, false),
      fields,
      profile,
      dn: raw.dn,
      active: !disabledBy(values[disabledSlot], search.activeDirectory),
    };
    for (const t of targets) {
      const v = values[t.slot];
      const text = v === undefined ? '' : asText(v, binarySlot[t.slot] === true).trim();
      if (t.kind === 'field') fields[t.field] = text;
      else if (t.kind === 'profile') profile[t.name] = text;
      else out.manager = text === '' ? null : { kind: 'dn', ref: text };
    }
    return out;
  };
}
