/**
 * An LDAP entry → the core's DirectoryEntry through the directory's attribute mapping
 * `{ gatehouseField | 'profile.<name>' | 'manager_id': attributeName }`. A mapped attribute
 * the entry lacks maps to '' (the directory cleared it); fields not in the mapping are left
 * out, so the core does not touch them.
 */
import { SYNCABLE_FIELDS, type DirectoryEntry, type SyncableField } from '../../core/sync/types.ts';
import type { LdapAttributeMapping, LdapUserEntry } from './types.ts';

const FIELDS = new Set<string>(SYNCABLE_FIELDS);

/** Keys of a mapping that are no Gatehouse field, profile field or manager_id. */
export function unknownMappingKeys(mapping: LdapAttributeMapping): string[] {
  return Object.keys(mapping).filter(
    (k) => !FIELDS.has(k) && k !== 'manager_id' && !(k.startsWith('profile.') && k.length > 8),
  );
}

export function mapEntry(entry: LdapUserEntry, mapping: LdapAttributeMapping): DirectoryEntry {
  const first = (attribute: string): string | undefined =>
    entry.attributes[attribute.toLowerCase()]?.[0];
  const fields: Partial<Record<SyncableField, string>> = {};
  const profile: Record<string, string> = {};
  const out: DirectoryEntry = {
    externalId: entry.id,
    username: entry.username,
    fields,
    profile,
    dn: entry.dn,
    active: !entry.disabled,
  };
  for (const [key, attribute] of Object.entries(mapping)) {
    if (!attribute) continue;
    const value = (first(attribute) ?? '').trim();
    if (FIELDS.has(key)) fields[key as SyncableField] = value;
    else if (key.startsWith('profile.')) profile[key.slice('profile.'.length)] = value;
    else if (key === 'manager_id') out.manager = value === '' ? null : { kind: 'dn', ref: value };
  }
  return out;
}
