/**
 * What the rows of a batch refer to, looked up once before any row is planned: existing
 * people by username (the batch's own and the managers it names), groups, roles, extranet
 * areas, profile field definitions, the password policy and the directories' owned fields.
 */
import { idsByUsernameKeys } from '../../store/batch-repo.ts';
import * as coll from '../../store/collection-repo.ts';
import type { Store } from '../../store/database.ts';
import { listDirectories } from '../../store/directory-repo.ts';
import { namesOf } from '../../store/export-repo.ts';
import { type Actor, nowIso } from '../context.ts';
import { nameKey, usernameKey } from '../normalize.ts';
import type { PeopleOptions } from '../people.ts';
import type { ProfileFieldsService } from '../profile-fields.ts';
import type { SettingsService } from '../settings.ts';
import { chunks, SLICE } from './slices.ts';
import type { BatchSource } from './types.ts';

/** The services a batch runs with (those PeopleBatch is made with). */
export interface BatchServices {
  store: Store;
  opts: PeopleOptions;
  settings: SettingsService;
  profileFields: ProfileFieldsService;
}

export type ProfileDefs = Awaited<ReturnType<ProfileFieldsService['list']>>;

/** Everything a row's plan depends on besides the row and its stored person. */
export interface Context {
  actor: Actor;
  defs: ProfileDefs;
  userDefs: ProfileDefs;
  policy: Awaited<ReturnType<SettingsService['passwordPolicy']>>;
  mappings: Map<number, { name: string; fields: string[] }>;
  groups: Map<string, number>;
  roles: Map<string, number>;
  extranets: Map<string, number>;
  groupNames: Map<number, string>;
  roleNames: Map<number, string>;
  /** Stored people by username key (those in the batch, and managers it names). */
  idByKey: Map<string, number>;
  /** Username keys the batch creates that rows name as manager (each key to itself: one string). */
  createdKeys: Map<string, string>;
  /** Row numbers of usernames that appear more than once. */
  repeated: Map<string, number[]>;
  needGroups: boolean;
  needRoles: boolean;
  at: string;
}

/** What the rows refer to (existing people, groups, roles, extranets, managers), in one pass. */
export async function buildContext(
  s: BatchServices,
  actor: Actor,
  rows: BatchSource,
): Promise<Context> {
  const db = s.store.db;
  const [defs, directories, policy] = await Promise.all([
    s.profileFields.list(),
    listDirectories(db),
    s.settings.passwordPolicy(),
  ]);
  const mappings = new Map(
    directories.map((d) => [
      d.id,
      { name: d.name, fields: JSON.parse(d.owned_fields) as string[] },
    ]),
  );
  const keys = new Set<string>();
  const groupKeys = new Set<string>();
  const roleKeys = new Set<string>();
  const extranetKeys = new Set<string>();
  const managerKeys = new Set<string>();
  let needGroups = false;
  let needRoles = false;
  // A username twice in one file is ambiguous: both rows are refused.
  const firstRow = new Map<string, number>();
  const repeated = new Map<string, number[]>();
  for (let start = 0; start < rows.length; start += SLICE) {
    for (const r of rows.slice(start, Math.min(rows.length, start + SLICE))) {
      const k = usernameKey(r.username);
      if (r.groups) {
        needGroups = true;
        for (const g of r.groups) groupKeys.add(nameKey(g));
      }
      if (r.roles) {
        needRoles = true;
        for (const g of r.roles) roleKeys.add(nameKey(g));
      }
      if (r.extranet) extranetKeys.add(nameKey(r.extranet));
      if (r.manager && 'username' in r.manager) managerKeys.add(usernameKey(r.manager.username));
      if (k === '') continue;
      keys.add(k);
      const list = repeated.get(k);
      if (list) list.push(r.row);
      else if (firstRow.has(k)) repeated.set(k, [firstRow.get(k)!, r.row]);
      else firstRow.set(k, r.row);
    }
  }
  firstRow.clear();
  // Existing people by username: the batch's own, then managers named by username.
  const idByKey = new Map<string, number>();
  const lookUp = async (all: Iterable<string>) => {
    for (const part of chunks([...all]))
      for (const r of await idsByUsernameKeys(db, part)) idByKey.set(r.username_key, r.id);
  };
  await lookUp(keys);
  const createdKeys = new Map<string, string>();
  for (const k of managerKeys) if (keys.has(k) && !idByKey.has(k)) createdKeys.set(k, k);
  await lookUp([...managerKeys].filter((k) => !idByKey.has(k)));
  const named = async (table: coll.CollectionTable, names: Set<string>) => {
    const m = new Map<string, number>();
    for (const part of chunks([...names]))
      for (const r of await coll.findCollectionByNameKeys(db, table, part)) m.set(r.name_key, r.id);
    return m;
  };
  const ctx: Context = {
    actor,
    defs,
    userDefs: defs.filter((d) => d.type === 'user'),
    policy,
    mappings,
    groups: await named('groups', groupKeys),
    roles: await named('roles', roleKeys),
    extranets: await named('extranets', extranetKeys),
    groupNames: needGroups ? await namesOf(db, 'groups') : new Map<number, string>(),
    roleNames: needRoles ? await namesOf(db, 'roles') : new Map<number, string>(),
    idByKey,
    createdKeys,
    repeated,
    needGroups,
    needRoles,
    at: nowIso(),
  };
  return ctx;
}
