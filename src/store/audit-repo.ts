/** SQL for reading the audit log. */
import type { Executor } from './people-repo.ts';
import type { AuditEventRow, NewAuditEventRow } from './schema.ts';
import type { Capabilities } from './capabilities.ts';
import { bulkInsert, everyColumn } from './bulk-insert.ts';
import { compiledLookup, rowOf, sampleValues } from './compiled-lookup.ts';

export interface AuditFilter {
  targetType?: string | undefined;
  targetId?: string | undefined;
  actorId?: number | undefined;
  gate?: string | undefined;
  action?: string | undefined;
  outcome?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

function filtered(db: Executor, f: AuditFilter) {
  let q = db.selectFrom('audit_events');
  if (f.targetType !== undefined) q = q.where('target_type', '=', f.targetType);
  if (f.targetId !== undefined) q = q.where('target_id', '=', f.targetId);
  if (f.actorId !== undefined) q = q.where('actor_id', '=', f.actorId);
  if (f.gate !== undefined) q = q.where('gate', '=', f.gate);
  if (f.action !== undefined) q = q.where('action', '=', f.action);
  if (f.outcome !== undefined) q = q.where('outcome', '=', f.outcome);
  if (f.from !== undefined) q = q.where('at', '>=', f.from);
  if (f.to !== undefined) q = q.where('at', '<', f.to);
  return q;
}

export async function listAudit(
  db: Executor,
  f: AuditFilter,
  offset: number,
  limit: number,
): Promise<{ rows: AuditEventRow[]; total: number }> {
  const [rows, c] = await Promise.all([
    filtered(db, f).selectAll().orderBy('id', 'desc').offset(offset).limit(limit).execute(),
    filtered(db, f)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(c.n) };
}

/** Pages through matching events newest first, `size` at a time, without holding them all. */
export async function* iterateAudit(
  db: Executor,
  f: AuditFilter,
  size = 2000,
): AsyncGenerator<AuditEventRow[]> {
  // No bound on the first page: PostgreSQL refuses to compare an integer column with a
  // number beyond its range (such as Number.MAX_SAFE_INTEGER).
  let before: number | null = null;
  for (;;) {
    let q = filtered(db, f).selectAll();
    if (before !== null) q = q.where('id', '<', before);
    const rows = await q.orderBy('id', 'desc').limit(size).execute();
    if (rows.length === 0) return;
    yield rows;
    before = rows[rows.length - 1]!.id;
  }
}

export const AUDIT_COLUMNS = everyColumn<NewAuditEventRow>()([
  'at',
  'actor_id',
  'actor_label',
  'gate',
  'action',
  'target_type',
  'target_id',
  'target_label',
  'changes',
  'request_id',
  'ip',
  'outcome',
]);

/**
 * The one-row insert of recordAudit, compiled once (compiled-lookup.ts): every change and
 * every sign-in writes one, and building it with Kysely each time was a measurable part of a
 * sign-in's main-thread time (sign-in-repo.ts). Its arguments are the values in column order.
 */
export const auditEventInsertQuery = (db: Executor, ...values: unknown[]) =>
  db.insertInto('audit_events').values(rowOf<NewAuditEventRow>(AUDIT_COLUMNS, values));

const auditEventInsert = compiledLookup(
  'auditEventInsert',
  auditEventInsertQuery,
  sampleValues(AUDIT_COLUMNS.length),
);

/**
 * An audit row, written by the core inside the transaction of the change it records. auditRow
 * gives every column (null where there is nothing): a column left out is written as null.
 */
export async function insertAuditRow(db: Executor, row: NewAuditEventRow): Promise<void> {
  await auditEventInsert(db, ...AUDIT_COLUMNS.map((c) => row[c] ?? null));
}

/** The audit events of a batch, every column given (as auditRow makes them). */
export async function insertManyAuditRows(
  db: Executor,
  caps: Capabilities,
  rows: NewAuditEventRow[],
  maxParameters: number,
): Promise<void> {
  await bulkInsert(db, caps, 'audit_events', AUDIT_COLUMNS, rows, { maxParameters });
}
