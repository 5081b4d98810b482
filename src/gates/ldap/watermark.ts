/**
 * Incremental reads and deletions. AD: the rootDSE's highestCommittedUSN is the watermark
 * and entries with uSNChanged >= it are the changed ones; deleted users stay in Deleted
 * Objects (tombstones, seen only with the show-deleted control) with their objectGUID.
 * OpenLDAP: the suffix's contextCSN (syncprov) or else the newest modifyTimestamp of the
 * scope; deletions leave no trace, so they are found by the next full run's id list.
 */
import type { Client } from 'ldapts';
import { ldapts } from './ldapts.ts';
import { withClient } from './client.ts';
import { toLdapError } from './errors.ts';
import { binaryAttributes, stableId, valuesOf } from './entries.ts';
import { andFilter, namingContextOf, scopeFilters } from './scope.ts';
import { pagedSearch } from './search.ts';
import type { LdapConnectionSettings, LdapUserSearch } from './types.ts';

export const SHOW_DELETED_OID = '1.2.840.113556.1.4.417';

async function rootDse(
  client: Client,
  conn: LdapConnectionSettings,
  attributes: string[],
): Promise<Record<string, string[]>> {
  try {
    const r = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes });
    const e = r.searchEntries[0];
    const out: Record<string, string[]> = {};
    if (e) for (const a of attributes) out[a.toLowerCase()] = valuesOf(e, a).map(String);
    return out;
  } catch (err) {
    throw toLdapError(err, { url: conn.url, baseDn: '(rootDSE)', phase: 'search' });
  }
}

/** CSN "20261204213300.123456Z#000000#000#000000" → generalized time "20261204213300Z". */
export function csnToTime(csn: string): string | undefined {
  const m = /^(\d{14})(\.\d+)?Z/.exec(csn);
  return m ? `${m[1]}Z` : undefined;
}

export async function currentWatermarkWith(
  client: Client,
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
): Promise<string | undefined> {
  if (search.activeDirectory) {
    const dse = await rootDse(client, conn, ['highestCommittedUSN']);
    return dse['highestcommittedusn']?.[0];
  }
  // contextCSN sits on the database suffix when syncprov (replication) is configured.
  const suffix = namingContextOf(search.baseDn);
  try {
    const r = await client.search(suffix, {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['contextCSN'],
    });
    const csns = r.searchEntries[0] ? valuesOf(r.searchEntries[0], 'contextCSN').map(String) : [];
    const times = csns
      .map(csnToTime)
      .filter((t): t is string => t !== undefined)
      .sort();
    const newest = times[times.length - 1];
    if (newest) return newest;
  } catch {
    // No readable suffix entry: fall back to the scope's own timestamps.
  }
  let newest: string | undefined;
  const filters = await scopeFilters(client, conn, search, undefined);
  for (const filter of filters) {
    for await (const page of pagedSearch(
      client,
      conn,
      search.baseDn,
      filter,
      ['modifyTimestamp'],
      [],
      1000,
    )) {
      for (const e of page) {
        const [t] = valuesOf(e, 'modifyTimestamp').map(String);
        if (t && (newest === undefined || t > newest)) newest = t;
      }
    }
  }
  return newest;
}

export async function currentWatermark(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
): Promise<string | undefined> {
  return withClient(conn, (client) => currentWatermarkWith(client, conn, search));
}

/**
 * Stable ids of users deleted since the watermark (AD's Deleted Objects). OpenLDAP keeps no
 * tombstones: [] (the full run's readAllIds finds them).
 */
export async function readDeletedSince(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  watermark: string,
): Promise<string[]> {
  if (!search.activeDirectory) return [];
  return withClient(conn, async (client) => {
    const dse = await rootDse(client, conn, ['defaultNamingContext']);
    const domain = dse['defaultnamingcontext']?.[0] ?? namingContextOf(search.baseDn);
    const base = `CN=Deleted Objects,${domain}`;
    const filter = andFilter(
      '(isDeleted=TRUE)',
      '(objectClass=user)',
      '(!(objectClass=computer))',
      `(uSNChanged>=${watermark.replace(/\D/g, '')})`,
    );
    const ids: string[] = [];
    const { Control } = await ldapts();
    const showDeleted = new Control(SHOW_DELETED_OID, { critical: true });
    const iterator = client.searchPaginated(
      base,
      {
        scope: 'one',
        filter,
        attributes: [search.idAttribute, 'sAMAccountName', 'lastKnownParent'],
        explicitBufferAttributes: binaryAttributes(search),
        paged: { pageSize: 500 },
      },
      showDeleted,
    );
    try {
      for await (const page of iterator) {
        for (const e of page.searchEntries) {
          const id = stableId(e, search);
          if (id) ids.push(id);
        }
      }
    } catch (err) {
      throw toLdapError(err, { url: conn.url, baseDn: base, filter, phase: 'search' });
    }
    return ids;
  });
}
