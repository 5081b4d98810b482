/**
 * Audit events are written inside the transaction of the change they describe, so a change
 * and its record commit or roll back together.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB, NewAuditEventRow } from '../store/schema.ts';
import type { Actor } from '../core/context.ts';
import { nowIso } from '../core/context.ts';
import { insertAuditRow } from '../store/audit-repo.ts';

export type Changes = Record<string, [unknown, unknown]>;

const SECRET_FIELDS = new Set([
  'password',
  'password_hash',
  'key_hash',
  'token_hash',
  'csrf_token',
  'secret',
]);

/** Whether a field's values are replaced by "[redacted]" in audit events. */
export const isSecretField = (field: string): boolean => SECRET_FIELDS.has(field);

/** The changes with secret values replaced; the same object when it holds no secret field. */
export function redact(changes: Changes): Changes {
  let out: Changes | undefined;
  for (const field of Object.keys(changes))
    if (SECRET_FIELDS.has(field)) {
      out ??= { ...changes };
      out[field] = ['[redacted]', '[redacted]'];
    }
  return out ?? changes;
}

/** Field-by-field difference of two records, for the fields in `next`. */
export function diff(
  before: Record<string, unknown> | null,
  next: Record<string, unknown>,
): Changes {
  const changes: Changes = {};
  for (const [field, value] of Object.entries(next)) {
    const old = before ? before[field] : null;
    if (JSON.stringify(old ?? null) !== JSON.stringify(value ?? null)) {
      changes[field] = [old ?? null, value ?? null];
    }
  }
  return changes;
}

export interface AuditInput {
  action: string;
  targetType: string;
  targetId?: string | number | null;
  targetLabel?: string | null;
  changes?: Changes | null;
  outcome?: 'success' | 'failure';
  at?: string;
}

export function auditRow(actor: Actor, e: AuditInput): NewAuditEventRow {
  return {
    at: e.at ?? nowIso(),
    actor_id: actor.personId,
    actor_label: actor.label,
    gate: actor.gate,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId === undefined || e.targetId === null ? null : String(e.targetId),
    target_label: e.targetLabel ?? null,
    changes:
      e.changes && Object.keys(e.changes).length > 0 ? JSON.stringify(redact(e.changes)) : null,
    request_id: actor.requestId ?? null,
    ip: actor.ip ?? null,
    outcome: e.outcome ?? 'success',
  };
}

export async function recordAudit(
  db: Kysely<DB> | Transaction<DB>,
  actor: Actor,
  e: AuditInput,
): Promise<void> {
  await insertAuditRow(db, auditRow(actor, e));
}
