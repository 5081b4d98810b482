/** Table types (schema.ts): Administrators' grants, API keys, sessions, the audit log, settings, imports. */
import type { Generated, Insertable, Selectable } from 'kysely';

export interface AdminGrantsTable {
  person_id: number;
  grant: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: Generated<number>;
  owner_id: number;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: string;
  created_by: number | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  csrf_token: string;
  person_id: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  actor_id: number | null;
  actor_label: string;
  gate: string;
  action: string;
  target_type: string;
  target_id: string | null;
  target_label: string | null;
  changes: string | null;
  request_id: string | null;
  ip: string | null;
  outcome: string;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface ImportsTable {
  id: Generated<number>;
  created_by: number | null;
  created_by_label: string;
  gate: string;
  created_at: string;
  finished_at: string | null;
  heartbeat_at: string;
  mode: 'dry_run' | 'apply';
  valid_only: number;
  status: 'running' | 'completed' | 'failed' | 'interrupted';
  applied: number;
  file_name: string | null;
  row_count: number;
  phase: string | null;
  progress_done: number;
  progress_total: number;
  summary: string | null;
  outcomes: string | null;
  error: string | null;
  /** The process running it (migration 0012); null for runs before it. */
  runner: string | null;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;

export type SessionRow = Selectable<SessionsTable>;

export type NewSessionRow = Omit<SessionRow, 'id'>;

export type AuditEventRow = Selectable<AuditEventsTable>;

export type NewAuditEventRow = Insertable<AuditEventsTable>;

export type ImportRow = Selectable<ImportsTable>;
