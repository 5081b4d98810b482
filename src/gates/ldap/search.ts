/**
 * Paged reads of the user entries (RFC 2696 Simple Paged Results). A read yields every page
 * or throws an LdapError: a size limit, a referral, a lost connection or a bad cookie end
 * the read with an error, never early and silently, because the sync blocks the accounts
 * it does not see.
 */
import type { Client, Entry } from 'ldapts';
import type { DirectoryEntry } from '../../core/sync/types.ts';
import { ldapts } from './ldapts.ts';
import { openClient, withClient } from './client.ts';
import { toLdapError } from './errors.ts';
import { binaryAttributes, toUserEntry, userAttributes } from './entries.ts';
import { escapeFilterValue } from './escape.ts';
import { rawEntryMapper } from './map-raw.ts';
import { changedSinceFilter, scopeFilters, type NestingStrategy } from './scope.ts';
import {
  LdapError,
  type LdapAttributeMapping,
  type LdapConnectionSettings,
  type LdapUserEntry,
  type LdapUserSearch,
  type MappedEntry,
  type TestConnectionResult,
} from './types.ts';

export const DEFAULT_PAGE_SIZE = 500;

export interface ReadOptions {
  /** A watermark from currentWatermark: only entries changed since. */
  changedSince?: string | undefined;
  /** Overrides the nested-group strategy (benchmarks and tests). */
  nesting?: NestingStrategy;
}

/** Balanced parentheses (values escape theirs as \28 \29, so every raw one is structure). */
function balanced(filter: string): boolean {
  let depth = 0;
  for (const c of filter) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

async function checkFilter(filter: string, conn: LdapConnectionSettings): Promise<void> {
  const { FilterParser } = await ldapts();
  try {
    // ldapts's parser accepts some unbalanced filters (a missing final parenthesis).
    if (!balanced(filter)) throw new Error('Unbalanced parentheses');
    FilterParser.parseString(filter);
  } catch (err) {
    throw new LdapError(
      'bad_filter',
      `The filter ${filter} is not valid LDAP filter syntax: check its parentheses and escaping (RFC 4515).`,
      err,
    );
  }
  void conn;
}

/** Raw pages of one search, each page checked; throws on anything but a complete result. */
export async function* pagedSearch(
  client: Client,
  conn: LdapConnectionSettings,
  baseDn: string,
  filter: string,
  attributes: string[],
  binary: string[],
  pageSize: number,
): AsyncGenerator<Entry[]> {
  await checkFilter(filter, conn);
  const iterator = client.searchPaginated(baseDn, {
    scope: 'sub',
    filter,
    attributes,
    explicitBufferAttributes: binary,
    paged: { pageSize },
  });
  let pages = 0;
  while (true) {
    let step: IteratorResult<{ searchEntries: Entry[]; searchReferences: string[] }>;
    try {
      step = await iterator.next();
    } catch (err) {
      const e = toLdapError(err, { url: conn.url, baseDn, filter, phase: 'search' });
      if (
        pages > 0 &&
        ['other', 'connection_refused', 'timeout', 'partial_results'].includes(e.kind)
      )
        throw new LdapError(
          'partial_results',
          `The search stopped after ${pages} page(s): ${e.message} Nothing was used from this incomplete read.`,
          err,
        );
      throw e;
    }
    if (step.done) return;
    pages++;
    // searchReferences are continuation references to other partitions (AD's Configuration
    // partition at the domain root): not users of this base, so they are left out.
    yield step.value.searchEntries;
  }
}

/**
 * The paged read of every entry in scope, each raw entry converted as it comes (the sync
 * maps it straight to what it compares: map-raw.ts), an entry met twice kept once.
 */
async function* readConvertedWith<T>(
  client: Client,
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  opts: ReadOptions,
  convert: (raw: Entry) => T,
  idOf: (entry: T) => string,
): AsyncGenerator<T[]> {
  const filters = await scopeFilters(
    client,
    conn,
    search,
    changedSinceFilter(search, opts.changedSince),
    opts.nesting,
  );
  const attributes = userAttributes(search);
  const binary = binaryAttributes(search);
  // Several filters (a large group tree) can match one entry twice.
  const seen = filters.length > 1 ? new Set<string>() : undefined;
  for (const filter of filters) {
    for await (const raw of pagedSearch(
      client,
      conn,
      search.baseDn,
      filter,
      attributes,
      binary,
      search.pageSize ?? DEFAULT_PAGE_SIZE,
    )) {
      const page: T[] = [];
      for (const r of raw) {
        const entry = convert(r);
        if (seen) {
          const id = idOf(entry);
          if (seen.has(id)) continue;
          seen.add(id);
        }
        page.push(entry);
      }
      if (page.length > 0) yield page;
    }
  }
}

/** An entry without its stable id or username is a configuration error, not an entry to skip. */
function missingIdOrUsername(raw: Entry, search: LdapUserSearch): never {
  throw new LdapError(
    'other',
    `The entry ${raw.dn} has no ${search.idAttribute} or ${search.usernameAttribute}: check the id and username attributes of the directory (or narrow the filter to entries that have both).`,
  );
}

/**
 * The mapping of raw entries for one search (map-raw.ts), an entry without its stable id or
 * username being a configuration error.
 */
export function mapperOf(
  search: LdapUserSearch,
  mapping: LdapAttributeMapping,
): (raw: Entry) => MappedEntry {
  const map = rawEntryMapper(search, mapping);
  return (r) => map(r) ?? missingIdOrUsername(r, search);
}

/**
 * Every in-scope entry mapped for the sync (the core's DirectoryEntry through the
 * directory's mapping), page by page, on one connection; or an LdapError.
 */
export async function* readMappedUsers(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  mapping: LdapAttributeMapping,
  opts: ReadOptions = {},
): AsyncGenerator<DirectoryEntry[]> {
  const map = mapperOf(search, mapping);
  const client = await openClient(conn);
  try {
    yield* readConvertedWith(client, conn, search, opts, map, (e) => e.externalId);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/**
 * Every in-scope entry with every attribute it has as text (entries.ts), page by page, on
 * one connection; or an LdapError. Not the sync's read (readMappedUsers): the protocol
 * tests' generic read, and the sync benchmark's baseline since session 5.
 */
export async function* readUsers(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  opts: ReadOptions = {},
): AsyncGenerator<LdapUserEntry[]> {
  const client = await openClient(conn);
  try {
    yield* readConvertedWith(
      client,
      conn,
      search,
      opts,
      (r) => toUserEntry(r, search) ?? missingIdOrUsername(r, search),
      (e) => e.id,
    );
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/**
 * Bind, read one page, map its entries as the sync does (with `mapping`; none: their ids,
 * usernames, DNs and disabled flags), and say which mapped attributes no entry of it has.
 */
export async function testConnection(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  opts: { mapping?: LdapAttributeMapping; sampleSize?: number } = {},
): Promise<TestConnectionResult> {
  const map = mapperOf(search, opts.mapping ?? {});
  const sampleSize = opts.sampleSize ?? 5;
  return withClient(conn, async (client) => {
    const filters = await scopeFilters(client, conn, search, undefined);
    const entries: MappedEntry[] = [];
    // Lower-cased names of the attributes some entry has a value of (the first key of a
    // name, as the mapping reads it).
    const present = new Set<string>();
    const pageSize = search.pageSize ?? DEFAULT_PAGE_SIZE;
    for (const filter of filters) {
      for await (const raw of pagedSearch(
        client,
        conn,
        search.baseDn,
        filter,
        userAttributes(search),
        binaryAttributes(search),
        pageSize,
      )) {
        for (const r of raw) {
          entries.push(map(r));
          const names = new Set<string>();
          for (const key of Object.keys(r)) {
            if (key === 'dn') continue;
            const lc = key.toLowerCase();
            if (names.has(lc)) continue;
            names.add(lc);
            const v = r[key];
            if (v !== undefined && !(Array.isArray(v) && v.length === 0)) present.add(lc);
          }
        }
        break; // one page is the test
      }
      if (entries.length >= pageSize) break;
    }
    const missingAttributes =
      entries.length === 0 ? [] : search.attributes.filter((a) => !present.has(a.toLowerCase()));
    return { entriesSeen: entries.length, sample: entries.slice(0, sampleSize), missingAttributes };
  });
}

/** id → username of every in-scope entry, enabled or not, for finding the ones gone. */
export async function readAllIds(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
): Promise<Map<string, string>> {
  const cheap: LdapUserSearch = { ...search, attributes: [] };
  const ids = new Map<string, string>();
  for await (const page of readUsers(conn, cheap)) for (const e of page) ids.set(e.id, e.username);
  return ids;
}

/**
 * The entries the filters find under `base`, mapped with `mapping` (mapperOf), each entry
 * once however many filters find it: the lookups of one person (sign-in, just in time).
 */
export async function mappedEntriesUnder(
  client: Client,
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  mapping: LdapAttributeMapping,
  base: string,
  filters: string[],
): Promise<MappedEntry[]> {
  const map = mapperOf(search, mapping);
  const found = new Map<string, MappedEntry>();
  for (const filter of filters)
    for await (const page of pagedSearch(
      client,
      conn,
      base,
      filter,
      userAttributes(search),
      binaryAttributes(search),
      50,
    ))
      for (const raw of page) {
        const e = map(raw);
        found.set(e.externalId, e);
      }
  return [...found.values()];
}

/**
 * The search's one entry for a username (or an email), within its scope, mapped with
 * `mapping` (none: its ids, username, DN and disabled flag); the sign-in bind's lookup.
 */
export async function findUserWith(
  client: Client,
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  usernameOrEmail: string,
  mapping: LdapAttributeMapping = {},
): Promise<MappedEntry | undefined> {
  const v = escapeFilterValue(usernameOrEmail.trim());
  if (v === '') return undefined;
  const alternatives = [`(${search.usernameAttribute}=${v})`, `(mail=${v})`];
  if (search.activeDirectory) alternatives.push(`(userPrincipalName=${v})`);
  const who = `(|${alternatives.join('')})`;
  const all = await mappedEntriesUnder(
    client,
    conn,
    search,
    mapping,
    search.baseDn,
    await scopeFilters(client, conn, search, who),
  );
  const wanted = usernameOrEmail.trim().toLowerCase();
  const byUsername = all.filter((e) => e.username.toLowerCase() === wanted);
  if (byUsername.length === 1) return byUsername[0];
  if (all.length === 1) return all[0];
  if (all.length === 0) return undefined;
  throw new LdapError(
    'other',
    `${all.length} directory entries match ${usernameOrEmail}: make usernames and email addresses unique in the directory.`,
  );
}

export async function findUser(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  usernameOrEmail: string,
  mapping: LdapAttributeMapping = {},
): Promise<MappedEntry | undefined> {
  return withClient(conn, (client) => findUserWith(client, conn, search, usernameOrEmail, mapping));
}
