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

export async function* readUsersWith(
  client: Client,
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  opts: ReadOptions = {},
): AsyncGenerator<LdapUserEntry[]> {
  yield* readConvertedWith(
    client,
    conn,
    search,
    opts,
    (r) => requireEntry(r, search),
    (e) => e.id,
  );
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
export function requireEntry(raw: Entry, search: LdapUserSearch): LdapUserEntry {
  return toUserEntry(raw, search) ?? missingIdOrUsername(raw, search);
}

/** The entry met without its stable id or username: a configuration error, as requireEntry says. */
function missingIdOrUsername(raw: Entry, search: LdapUserSearch): never {
  throw new LdapError(
    'other',
    `The entry ${raw.dn} has no ${search.idAttribute} or ${search.usernameAttribute}: check the id and username attributes of the directory (or narrow the filter to entries that have both).`,
  );
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
  const map = rawEntryMapper(search, mapping);
  const client = await openClient(conn);
  try {
    yield* readConvertedWith(
      client,
      conn,
      search,
      opts,
      (r) => map(r) ?? missingIdOrUsername(r, search),
      (e) => e.externalId,
    );
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Every in-scope entry, page by page, on one connection; or an LdapError. */
export async function* readUsers(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  opts: ReadOptions = {},
): AsyncGenerator<LdapUserEntry[]> {
  const client = await openClient(conn);
  try {
    yield* readUsersWith(client, conn, search, opts);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Bind, read one page, and say which mapped attributes no entry of it has. */
export async function testConnection(
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  sampleSize = 5,
): Promise<TestConnectionResult> {
  return withClient(conn, async (client) => {
    const filters = await scopeFilters(client, conn, search, undefined);
    const entries: LdapUserEntry[] = [];
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
        for (const r of raw) entries.push(requireEntry(r, search));
        break; // one page is the test
      }
      if (entries.length >= pageSize) break;
    }
    const present = new Set<string>();
    for (const e of entries)
      for (const [k, v] of Object.entries(e.attributes)) if (v.length > 0) present.add(k);
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

/** The search's one entry for a username (or an email), within its scope; SSO's just-in-time lookup. */
export async function findUserWith(
  client: Client,
  conn: LdapConnectionSettings,
  search: LdapUserSearch,
  usernameOrEmail: string,
): Promise<LdapUserEntry | undefined> {
  const v = escapeFilterValue(usernameOrEmail.trim());
  if (v === '') return undefined;
  const alternatives = [`(${search.usernameAttribute}=${v})`, `(mail=${v})`];
  if (search.activeDirectory) alternatives.push(`(userPrincipalName=${v})`);
  const who = `(|${alternatives.join('')})`;
  const filters = await scopeFilters(client, conn, search, who);
  const found = new Map<string, LdapUserEntry>();
  for (const filter of filters) {
    for await (const raw of pagedSearch(
      client,
      conn,
      search.baseDn,
      filter,
      userAttributes(search),
      binaryAttributes(search),
      50,
    )) {
      for (const r of raw) {
        const e = requireEntry(r, search);
        found.set(e.id, e);
      }
    }
  }
  const all = [...found.values()];
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
): Promise<LdapUserEntry | undefined> {
  return withClient(conn, (client) => findUserWith(client, conn, search, usernameOrEmail));
}
