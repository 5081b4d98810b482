/** SQL for SCIM resources (users, groups, their filterable values) and the request log. */
import type { Insertable, RawBuilder, Selectable, SqlBool } from 'kysely';
import type { Executor } from './people-repo.ts';
import type { Capabilities } from './capabilities.ts';
import { compiledLookup } from './compiled-lookup.ts';
import {
  SCIM_USER_COLUMNS,
  VALUE_COLUMNS,
  compiledCreateValues,
  scimCreate,
  scimUserInsert,
} from './scim-inserts.ts';
import { bulkInsert } from './bulk-insert.ts';
import { insertIdentityRow, type IdentityRow } from './identity-repo.ts';
import { insertAuditRow } from './audit-repo.ts';
import { RESOURCE_ALIAS } from './scim-filter-sql.ts';
import { preparedWrite } from './prepared.ts';
import type {
  NewAuditEventRow,
  ScimGroupsTable,
  ScimRequestsTable,
  ScimUsersTable,
  ScimValuesTable,
} from './schema.ts';

export type ScimUserRow = Selectable<ScimUsersTable>;
export type ScimGroupRow = Selectable<ScimGroupsTable>;
export type ScimValueRow = Insertable<ScimValuesTable>;
export type ScimRequestRow = Selectable<ScimRequestsTable>;

/**
 * Users and groups are read, paged and versioned alike: one function each for both
 * tables, on the columns they share (scim_id, directory_id, created_at, version).
 */
export type ScimKind = 'User' | 'Group';
interface Rows {
  User: ScimUserRow;
  Group: ScimGroupRow;
}
const TABLE = { User: 'scim_users', Group: 'scim_groups' } as const;

/** The directory's resources of one kind, as RESOURCE_ALIAS (what compiled filters name). */
function resources(db: Executor, kind: ScimKind, directoryId: number) {
  let q = db
    .selectFrom(db.dynamic.table(TABLE[kind]).as(RESOURCE_ALIAS))
    .where(`${RESOURCE_ALIAS}.directory_id`, '=', directoryId);
  // A row without an account is no resource. A create writes its row with the account
  // (insertScimUser); earlier versions first claimed the userName with a row whose
  // person_id was null until the account was made, inside the same transaction.
  // (`as never`: only scim_users has the column, and the builder is typed for both tables.)
  if (kind === 'User') q = q.where(`${RESOURCE_ALIAS}.person_id` as never, 'is not', null);
  return q;
}

export async function findScimResource<K extends ScimKind>(
  db: Executor,
  kind: K,
  directoryId: number,
  scimId: string,
): Promise<Rows[K] | undefined> {
  const row = await resources(db, kind, directoryId)
    .selectAll(RESOURCE_ALIAS)
    .where(`${RESOURCE_ALIAS}.scim_id`, '=', scimId)
    .executeTakeFirst();
  return row as Rows[K] | undefined;
}

/**
 * The directory's user with a userName (its lower-cased key): what `filter=userName eq "…"`,
 * the lookup Okta and Entra make before every create, selects. A SCIM user's userName is its
 * account's username, so people's unique username_key index finds the account and
 * scim_users_person_unique its row (scim_users has no userName index of its own: migration
 * 0018): at most one row, with no ORDER BY, paging or COUNT. Every column by name (prepared
 * on PostgreSQL: prepared.ts); a row without an account is no resource, as in `resources`.
 */
export function scimUserByUserNameQuery(db: Executor, directoryId: number, userNameKey: string) {
  return (
    db
      .selectFrom('people as p')
      .innerJoin('scim_users as s', 's.person_id', 'p.id')
      .select(SCIM_USER_COLUMNS.map((c) => `s.${c}` as const))
      // In the arguments' order: the statement is compiled once (compiledLookup).
      .where('s.directory_id', '=', directoryId)
      .where('p.username_key', '=', userNameKey)
  );
}

// Compiled once: building the query was a tenth of a lookup's CPU time (compiled-lookup.ts).
const scimUserByUserName = compiledLookup('scimUserByUserName', scimUserByUserNameQuery, [
  [1, 'a'],
  [2, 'b'],
]);

export async function findScimUserByUserName(
  db: Executor,
  directoryId: number,
  userNameKey: string,
): Promise<ScimUserRow | undefined> {
  return (await scimUserByUserName(db, directoryId, userNameKey))[0];
}

/**
 * Takes the next version of a resource, inside the write's transaction: with `ifVersion`
 * (If-Match) only while the resource still has it. The row stays locked until the write
 * commits (PostgreSQL), so of two writes that read one version, one wins and the other
 * finds it gone. Answers the new version (and when the resource was made), or undefined
 * when nothing matched.
 */
export async function nextScimVersion(
  db: Executor,
  kind: ScimKind,
  directoryId: number,
  scimId: string,
  ifVersion: number | undefined,
  at: string,
): Promise<{ version: number; created_at: string } | undefined> {
  let q = db
    .updateTable(db.dynamic.table(TABLE[kind]).as(RESOURCE_ALIAS))
    .set((eb) => ({ version: eb(`${RESOURCE_ALIAS}.version`, '+', 1), updated_at: at }))
    .where(`${RESOURCE_ALIAS}.scim_id`, '=', scimId)
    .where(`${RESOURCE_ALIAS}.directory_id`, '=', directoryId);
  if (ifVersion !== undefined) q = q.where(`${RESOURCE_ALIAS}.version`, '=', ifVersion);
  // Unqualified: SQLite's RETURNING knows no table alias.
  return q.returning(['version', 'created_at']).executeTakeFirst();
}

/** A page of a directory's resources matching a compiled filter, and how many match. */
export async function listScimResources<K extends ScimKind>(
  db: Executor,
  kind: K,
  directoryId: number,
  cond: RawBuilder<SqlBool> | undefined,
  offset: number,
  limit: number,
): Promise<{ rows: Rows[K][]; total: number }> {
  let q = resources(db, kind, directoryId);
  if (cond) q = q.where(cond);
  let page = q.selectAll(RESOURCE_ALIAS);
  // Users page in their key's order, (directory_id, scim_id), which is creation order for
  // ids made since migration 0018 (core/scim/ids.ts); groups by their list index.
  if (kind === 'Group') page = page.orderBy(`${RESOURCE_ALIAS}.created_at`);
  const rows =
    limit === 0
      ? []
      : await page.orderBy(`${RESOURCE_ALIAS}.scim_id`).offset(offset).limit(limit).execute();
  // A short first page is the whole answer: the usual lookup by userName needs no COUNT.
  if (limit > 0 && rows.length < limit && (rows.length > 0 || offset === 0))
    return { rows: rows as Rows[K][], total: offset + rows.length };
  const c = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows: rows as Rows[K][], total: Number(c.n) };
}

/** Filterable values a PostgreSQL create writes in its one statement; more take separate writes. */
const VALUES_PER_INSERT = 500;

/** The rows as bulkInsert writes them: one statement whose text is kept per row count. */
async function insertScimValues(
  db: Executor,
  caps: Capabilities,
  filterable: ScimValueRow[],
): Promise<void> {
  await bulkInsert(db, caps, 'scim_values', VALUE_COLUMNS, filterable, {
    maxParameters: caps.maxParameters,
  });
}

/** Writes the user's row and replaces its filterable values. */
export async function saveScimUser(
  db: Executor,
  caps: Capabilities,
  directoryId: number,
  scimId: string,
  values: Partial<Omit<ScimUserRow, 'scim_id' | 'directory_id'>>,
  filterable: ScimValueRow[],
): Promise<void> {
  await db
    .updateTable('scim_users')
    .set(values)
    .where('directory_id', '=', directoryId)
    .where('scim_id', '=', scimId)
    .execute();
  await deleteScimValues(db, directoryId, scimId);
  await insertScimValues(db, caps, filterable);
}

/** A user's values: together under its key, (directory_id, scim_id, seq). */
async function deleteScimValues(db: Executor, directoryId: number, scimId: string) {
  await db
    .deleteFrom('scim_values')
    .where('directory_id', '=', directoryId)
    .where('scim_id', '=', scimId)
    .execute();
}

/**
 * A create's one write of the resource: its row, with the account the core made or took,
 * its filterable values and, for a new account, the account's identity link and audit
 * event, which the core leaves to this write (`created`: sync/apply-entry.ts
 * EntryHooks.created). The unique (person_id, directory_id) index refuses a second
 * resource for the account (people's username index, a second account). On PostgreSQL all go in one statement (a data-modifying
 * WITH): every statement is a round trip with its cost in the server's CPU
 * (bench/scim.bench.ts); SQLite runs them one after the other.
 */
export async function insertScimUser(
  db: Executor,
  caps: Capabilities,
  row: ScimUserRow,
  filterable: ScimValueRow[],
  created?: { link: IdentityRow; audit: NewAuditEventRow },
): Promise<void> {
  // The usual create (a new account, a few values): compiled once, prepared.
  if (caps.writesInOneStatement && created && compiledCreateValues(filterable.length)) {
    await scimCreate(db, row, filterable, created);
    return;
  }
  if (
    caps.writesInOneStatement &&
    filterable.length > 0 &&
    filterable.length <= VALUES_PER_INSERT
  ) {
    const made = db.with('made', (q) => q.insertInto('scim_users').values(row));
    const q = created
      ? made
          .with('linked', (w) => w.insertInto('external_identities').values(created.link))
          .with('audited', (w) => w.insertInto('audit_events').values(created.audit))
          .insertInto('scim_values')
          .values(filterable)
      : made.insertInto('scim_values').values(filterable);
    // A few shapes (the number of values, the audit row's optional columns): prepared.
    const compiled = q.compile();
    preparedWrite(compiled.sql);
    await db.executeQuery(compiled);
    return;
  }
  if (created) {
    await insertIdentityRow(db, created.link);
    await insertAuditRow(db, created.audit);
  }
  await scimUserInsert(db, ...SCIM_USER_COLUMNS.map((c) => row[c]));
  await insertScimValues(db, caps, filterable);
}

export async function deleteScimUser(
  db: Executor,
  directoryId: number,
  scimId: string,
): Promise<void> {
  await deleteScimValues(db, directoryId, scimId);
  await db
    .deleteFrom('scim_users')
    .where('directory_id', '=', directoryId)
    .where('scim_id', '=', scimId)
    .execute();
}

/** SCIM user ids of this directory → their people (unknown ids are left out). */
export async function personIdsOf(
  db: Executor,
  directoryId: number,
  scimIds: string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < scimIds.length; i += 1000) {
    const rows = await db
      .selectFrom('scim_users')
      .select(['scim_id', 'person_id'])
      .where('directory_id', '=', directoryId)
      .where('scim_id', 'in', scimIds.slice(i, i + 1000))
      .where('person_id', 'is not', null)
      .execute();
    for (const r of rows) out.set(r.scim_id, r.person_id!);
  }
  return out;
}

export async function insertScimGroup(
  db: Executor,
  row: Insertable<ScimGroupsTable>,
): Promise<void> {
  await db.insertInto('scim_groups').values(row).execute();
}

export async function updateScimGroup(
  db: Executor,
  scimId: string,
  values: Partial<Omit<ScimGroupRow, 'scim_id' | 'directory_id' | 'group_id'>>,
): Promise<void> {
  await db.updateTable('scim_groups').set(values).where('scim_id', '=', scimId).execute();
}

/** The members of a group as SCIM users of the directory (id and displayName). */
export function scimMembersOf(
  db: Executor,
  directoryId: number,
  groupId: number,
): Promise<{ scim_id: string; display_name: string | null; user_name: string }[]> {
  return db
    .selectFrom('group_members as gm')
    .innerJoin('scim_users as mu', (j) =>
      j.onRef('mu.person_id', '=', 'gm.person_id').on('mu.directory_id', '=', directoryId),
    )
    .select(['mu.scim_id', 'mu.display_name', 'mu.user_name'])
    .where('gm.group_id', '=', groupId)
    .orderBy('mu.scim_id')
    .execute();
}

/** A batch of logged requests in one statement per 100 rows (8 parameters a row). */
export async function insertScimRequests(
  db: Executor,
  rows: Insertable<ScimRequestsTable>[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 100)
    await db
      .insertInto('scim_requests')
      .values(rows.slice(i, i + 100))
      .execute();
}

/** Keeps the newest `keep` requests of the directory. */
export async function pruneScimRequests(
  db: Executor,
  directoryId: number,
  keep: number,
): Promise<void> {
  const cut = await db
    .selectFrom('scim_requests')
    .select('id')
    .where('directory_id', '=', directoryId)
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (cut)
    await db
      .deleteFrom('scim_requests')
      .where('directory_id', '=', directoryId)
      .where('id', '<=', cut.id)
      .execute();
}

export function listScimRequests(
  db: Executor,
  directoryId: number,
  limit: number,
  before?: number,
): Promise<ScimRequestRow[]> {
  let q = db.selectFrom('scim_requests').selectAll().where('directory_id', '=', directoryId);
  if (before !== undefined) q = q.where('id', '<', before);
  return q.orderBy('id', 'desc').limit(limit).execute();
}
