/** Table types (schema.ts): Directories, their sync runs and leases, identity links, directory groups. */
import type { Generated, Selectable } from 'kysely';

export interface DirectoriesTable {
  id: Generated<number>;
  name: string;
  kind: string;
  owned_fields: string;
  created_at: string;
  /** Migration 0008: the type's settings as JSON (url, base_dn, mapping, …). */
  settings: Generated<string>;
  /** The bind password, sealed by SecretBox; never answered. */
  sealed_secret: string | null;
  adopt_local_accounts: Generated<number>;
  max_block_percent: Generated<number>;
  schedule: string | null;
  /** Where the last incremental read stopped (AD's highestCommittedUSN, a modifyTimestamp). */
  watermark: string | null;
  updated_at: string | null;
}

/** Directory sync runs (migration 0008): counts and would-block list as JSON. */
export interface DirectoryRunsTable {
  id: Generated<number>;
  directory_id: number;
  status: 'running' | 'completed' | 'stopped' | 'failed' | 'interrupted';
  dry_run: number;
  mode: 'full' | 'incremental';
  trigger: 'manual' | 'schedule';
  started_by_label: string;
  started_at: string;
  heartbeat_at: string;
  finished_at: string | null;
  phase: string | null;
  counts: Generated<string>;
  stop_reason: string | null;
  would_block: string | null;
  item_count: Generated<number>;
  /** `host pid token` of the process running it (src/jobs/runner.ts); null for older rows. */
  runner: string | null;
  /** JSON of the run's group counts; null when the run did not sync groups. */
  group_counts: string | null;
  group_error: string | null;
}

export interface DirectoryRunItemsTable {
  run_id: number;
  seq: number;
  entry: string;
  person_id: number | null;
  action: string;
  changes: string | null;
  error: string | null;
}

export interface DirectoryLeasesTable {
  directory_id: number;
  holder: string;
  expires_at: string;
}

export interface ExternalIdentitiesTable {
  provider: string;
  external_id: string;
  person_id: number;
  created_at: string;
}

/** A directory's group (its stable id) → the Gatehouse group it made. */
export interface DirectoryGroupLinksTable {
  directory_id: number;
  external_id: string;
  group_id: number;
  created_at: string;
}

export type DirectoryRow = Selectable<DirectoriesTable>;

export type DirectoryRunRow = Selectable<DirectoryRunsTable>;
