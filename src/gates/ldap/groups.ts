/**
 * Group sync: the directory's groups with their member users and member groups, by stable
 * id. Members are read from the group's `member` attribute; AD hands large ones out in
 * ranges (`member;range=0-1499`, then `member;range=1500-*`, … until the range ends in
 * `*`), which readRangedValues follows.
 */
import type { Client, Entry } from 'ldapts';
import { withClient } from './client.ts';
import { toLdapError } from './errors.ts';
import { stableId, valuesOf } from './entries.ts';
import { normalizeDn } from './scope.ts';
import { pagedSearch } from './search.ts';
import {
  LdapError,
  type LdapConnectionSettings,
  type LdapGroup,
  type LdapGroupSearch,
  type LdapUserSearch,
} from './types.ts';

/** Reads one attribute of one entry: the primitive the range reader is built on. */
export type AttributeFetch = (attribute: string) => Promise<Entry | undefined>;

const RANGE_KEY = /^([^;]+);range=(\d+)-(\d+|\*)$/i;

/**
 * All values of `attribute` (e.g. member), following AD's range retrieval. `step` asks for
 * ranges explicitly (Samba and AD honour a requested range even when they would not force
 * one); without it the server decides.
 */
export async function readRangedValues(
  fetch: AttributeFetch,
  attribute: string,
  step?: number,
): Promise<string[]> {
  const values: string[] = [];
  let request = step ? `${attribute};range=0-${step - 1}` : attribute;
  for (let rounds = 0; rounds < 10_000; rounds++) {
    const entry = await fetch(request);
    if (!entry) return values;
    let ranged: { end: string; values: string[] } | undefined;
    let plain: string[] | undefined;
    for (const key of Object.keys(entry)) {
      if (key === 'dn') continue;
      const m = RANGE_KEY.exec(key);
      // ldapts also adds the requested name as an empty attribute when the server answered
      // under another one (AD's "member;range=4-*" for a request of "member;range=4-5").
      if (m && key.toLowerCase() === request.toLowerCase() && valuesOf(entry, key).length === 0)
        continue;
      if (m && m[1]?.toLowerCase() === attribute.toLowerCase())
        ranged = { end: m[3] ?? '*', values: valuesOf(entry, key).map(String) };
      else if (key.toLowerCase() === attribute.toLowerCase())
        plain = valuesOf(entry, key).map(String);
    }
    if (ranged) {
      values.push(...ranged.values);
      // Samba echoes a requested range even past the end: fewer values than asked is the end.
      if (ranged.end === '*' || ranged.values.length === 0) return values;
      if (step && ranged.values.length < step) return values;
      const next = Number(ranged.end) + 1;
      request = step
        ? `${attribute};range=${next}-${next + step - 1}`
        : `${attribute};range=${next}-*`;
      continue;
    }
    // No ranged key: either everything came at once, or a requested range past the end is empty.
    values.push(...(plain ?? []));
    return values;
  }
  throw new LdapError(
    'other',
    `Reading the ${attribute} values did not end: the directory keeps answering ranges.`,
  );
}

export function attributeFetcher(
  client: Client,
  conn: LdapConnectionSettings,
  dn: string,
): AttributeFetch {
  return async (attribute) => {
    try {
      const r = await client.search(dn, {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: [attribute],
      });
      return r.searchEntries[0];
    } catch (err) {
      throw toLdapError(err, { url: conn.url, baseDn: dn, phase: 'search' });
    }
  };
}

export interface GroupReadOptions {
  activeDirectory: boolean;
  /** Defaults: objectGUID (AD), entryUUID. */
  idAttribute?: string;
  /** Ask for member ranges of this size explicitly (tests: Samba does not force ranges). */
  rangeStep?: number;
}

/**
 * Every group under the group base DN with its members as ids. `memberIdsOf` turns a member
 * DN (normalizeDn form) into the stable id of a synced user, or undefined for a DN that is
 * not one (out of scope, or not a user); member groups are those found by this same search.
 */
export async function readGroups(
  conn: LdapConnectionSettings,
  groups: LdapGroupSearch,
  memberIdsOf: (normalizedMemberDn: string) => string | undefined,
  opts: GroupReadOptions = { activeDirectory: false },
): Promise<LdapGroup[]> {
  const idAttribute = opts.idAttribute ?? (opts.activeDirectory ? 'objectGUID' : 'entryUUID');
  const idSearch: LdapUserSearch = {
    baseDn: groups.baseDn,
    userFilter: groups.filter,
    idAttribute,
    usernameAttribute: 'cn',
    attributes: [],
    activeDirectory: opts.activeDirectory,
  };
  return withClient(conn, async (client) => {
    const found: { id: string; name: string; dn: string }[] = [];
    const binary = opts.activeDirectory ? ['objectGUID', 'objectguid'] : [];
    for await (const page of pagedSearch(
      client,
      conn,
      groups.baseDn,
      groups.filter,
      [idAttribute, 'cn'],
      binary,
      500,
    )) {
      for (const e of page) {
        const id = stableId(e, idSearch);
        if (!id)
          throw new LdapError(
            'other',
            `The group ${e.dn} has no ${idAttribute}: check the group id attribute.`,
          );
        const [name] = valuesOf(e, 'cn').map(String);
        found.push({ id, name: name ?? e.dn, dn: e.dn });
      }
    }
    const groupIdByDn = new Map(found.map((g) => [normalizeDn(g.dn), g.id]));
    const out: LdapGroup[] = [];
    for (const g of found) {
      const members = await readRangedValues(
        attributeFetcher(client, conn, g.dn),
        'member',
        opts.rangeStep,
      );
      const memberUserIds: string[] = [];
      const memberGroupIds: string[] = [];
      for (const m of members) {
        const key = normalizeDn(m);
        const groupId = groupIdByDn.get(key);
        if (groupId !== undefined) memberGroupIds.push(groupId);
        else {
          const userId = memberIdsOf(key);
          if (userId !== undefined) memberUserIds.push(userId);
        }
      }
      out.push({ ...g, memberUserIds, memberGroupIds });
    }
    return out;
  });
}
