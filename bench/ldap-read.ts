/**
 * The raw baseline of the directory-sync benchmark: a paged read of N entries with the same
 * LDAP client and code the sync uses (readUsers), and a loader that puts N entries into a
 * fresh slapd quickly (slapadd offline into a new database, before slapd starts).
 */
import { performance } from 'node:perf_hooks';
import { readUsers } from '../src/gates/ldap/search.ts';
import { LDAP_PRESETS } from '../src/gates/ldap/presets.ts';
import type { LdapConnectionSettings, LdapUserSearch } from '../src/gates/ldap/types.ts';
import { startSlapd, SUFFIX, type SlapdServer } from '../test/helpers/slapd.ts';

export const PEOPLE_OU = `ou=people,${SUFFIX}`;

/** The i-th person of the loaded directory, as the OpenLDAP preset's mapping reads it. */
export function loadedPerson(i: number) {
  const uid = `user${String(i).padStart(6, '0')}`;
  return {
    uid,
    givenName: 'Person',
    sn: `Number${i}`,
    mail: `${uid}@example.test`,
    title: 'Engineer',
    telephoneNumber: `+44 20 7946 ${String(i % 10000).padStart(4, '0')}`,
  };
}

/** LDIF of ou=people and N inetOrgPerson entries (entryUUID and timestamps come from slapadd). */
export function peopleLdif(n: number, from = 0): string {
  const parts = [`dn: ${PEOPLE_OU}\nobjectClass: organizationalUnit\nou: people\n`];
  for (let i = from; i < from + n; i++) {
    const p = loadedPerson(i);
    parts.push(
      `dn: uid=${p.uid},${PEOPLE_OU}\nobjectClass: inetOrgPerson\nuid: ${p.uid}\ncn: Person ${i}\ngivenName: ${p.givenName}\nsn: ${p.sn}\nmail: ${p.mail}\ntitle: ${p.title}\ntelephoneNumber: ${p.telephoneNumber}\n`,
    );
  }
  return parts.join('\n') + '\n';
}

/** The same N people as an import file for `gatehouse users import` (the CSV baseline). */
export function peopleCsv(n: number, from = 0): Buffer {
  const lines = ['username,firstname,surname,email,job_title,phone'];
  for (let i = from; i < from + n; i++) {
    const p = loadedPerson(i);
    lines.push([p.uid, p.givenName, p.sn, p.mail, p.title, p.telephoneNumber].join(','));
  }
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

export interface LoadedDirectory {
  server: SlapdServer;
  conn: LdapConnectionSettings;
  search: LdapUserSearch;
  loadMs: number;
}

/** A fresh slapd holding N people under ou=people. */
export async function startLoadedSlapd(n: number): Promise<LoadedDirectory> {
  const started = performance.now();
  const server = await startSlapd({ preloadLdif: peopleLdif(n) });
  const loadMs = performance.now() - started;
  const p = LDAP_PRESETS.openldap;
  return {
    server,
    loadMs,
    conn: {
      url: server.url,
      startTls: false,
      bindDn: server.bindDn,
      bindPassword: server.bindPassword,
    },
    search: {
      baseDn: PEOPLE_OU,
      userFilter: p.userFilter,
      idAttribute: p.idAttribute,
      usernameAttribute: p.usernameAttribute,
      attributes: Object.values(p.mapping),
      activeDirectory: false,
    },
  };
}

/** Reads every entry of the search, page by page, and counts them: the sync's raw read. */
export async function readEntries(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
): Promise<{ count: number; pages: number; ms: number }> {
  const started = performance.now();
  let count = 0;
  let pages = 0;
  for await (const page of readUsers(conn, search)) {
    pages++;
    count += page.length;
  }
  return { count, pages, ms: performance.now() - started };
}
