/** The LDAP / AD protocol layer: what the sync engine and the sign-in import. */
export * from './types.ts';
export { testConnection, readUsers, readMappedUsers, readAllIds, findUser } from './search.ts';
export { currentWatermark, readDeletedSince } from './watermark.ts';
export { readGroups, readRangedValues } from './groups.ts';
export { verifyPassword } from './bind.ts';
export { rawEntryMapper, unknownMappingKeys } from './map-raw.ts';
export { LDAP_PRESETS, type LdapPresetName } from './presets.ts';
export { escapeFilterValue, escapeDnValue } from './escape.ts';
export { normalizeDn } from './scope.ts';
