/** Reading the audit log: filtered pages for the API and console, and a CSV export. */
import type { Store } from '../store/database.ts';
import { iterateAudit, listAudit, type AuditFilter } from '../store/audit-repo.ts';
import type { AuditEventRow } from '../store/schema.ts';

export interface AuditEvent {
  id: number;
  at: string;
  actor_id: number | null;
  actor: string;
  gate: string;
  action: string;
  target_type: string;
  target_id: string | null;
  target: string | null;
  changes: Record<string, [unknown, unknown]> | null;
  request_id: string | null;
  ip: string | null;
  outcome: string;
}

export function toAuditEvent(r: AuditEventRow): AuditEvent {
  return {
    id: r.id,
    at: r.at,
    actor_id: r.actor_id,
    actor: r.actor_label,
    gate: r.gate,
    action: r.action,
    target_type: r.target_type,
    target_id: r.target_id,
    target: r.target_label,
    changes:
      r.changes === null ? null : (JSON.parse(r.changes) as Record<string, [unknown, unknown]>),
    request_id: r.request_id,
    ip: r.ip,
    outcome: r.outcome,
  };
}

export class AuditQuery {
  constructor(private readonly store: Store) {}

  async list(
    filter: AuditFilter,
    offset: number,
    limit: number,
  ): Promise<{ data: AuditEvent[]; total: number }> {
    const { rows, total } = await listAudit(this.store.db, filter, offset, limit);
    return { data: rows.map(toAuditEvent), total };
  }

  async *all(filter: AuditFilter): AsyncGenerator<AuditEvent> {
    for await (const page of iterateAudit(this.store.db, filter))
      for (const r of page) yield toAuditEvent(r);
  }
}

export type { AuditFilter };
