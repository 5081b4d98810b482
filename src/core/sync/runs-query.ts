/** Reading sync runs back: their reports, and their per-entry items page by page. */
import type { Store } from '../../store/database.ts';
import type { DirectoryRunRow } from '../../store/schema.ts';
import { findRun, listRunItems, listRuns, interruptStaleRuns } from '../../store/sync-repo.ts';
import { fail } from '../errors.ts';
import { interruptStoppedRuns } from './run-recovery.ts';
import { emptyCounts, type RunCounts, type RunReport } from './run.ts';
import { emptyGroupCounts, type GroupCounts } from './types.ts';

export interface RunItemView {
  seq: number;
  entry: string;
  person_id: number | null;
  action: string;
  changes: Record<string, [unknown, unknown]> | null;
  error: string | null;
}

export function reportOf(r: DirectoryRunRow): RunReport {
  return {
    id: r.id,
    directory_id: r.directory_id,
    status: r.status,
    dry_run: r.dry_run === 1,
    mode: r.mode,
    trigger: r.trigger,
    started_at: r.started_at,
    finished_at: r.finished_at,
    counts: { ...emptyCounts(), ...(JSON.parse(r.counts) as Partial<RunCounts>) },
    stop_reason: r.stop_reason,
    would_block:
      r.would_block === null ? [] : (JSON.parse(r.would_block) as RunReport['would_block']),
    groups:
      r.group_counts === null
        ? null
        : { ...emptyGroupCounts(), ...(JSON.parse(r.group_counts) as Partial<GroupCounts>) },
    group_error: r.group_error,
  };
}

export class SyncRunsQuery {
  constructor(private readonly store: Store) {}

  async runs(directoryId: number, limit: number, beforeId?: number): Promise<RunReport[]> {
    return (await listRuns(this.store.db, directoryId, limit, beforeId)).map(reportOf);
  }

  async run(directoryId: number, runId: number): Promise<RunReport> {
    const r = await findRun(this.store.db, runId);
    if (!r || r.directory_id !== directoryId)
      fail('not_found', `Directory ${directoryId} has no run ${runId}.`);
    return reportOf(r);
  }

  async items(
    runId: number,
    afterSeq: number,
    limit: number,
    action?: string,
  ): Promise<RunItemView[]> {
    return (await listRunItems(this.store.db, runId, { afterSeq, limit, action })).map((i) => ({
      ...i,
      changes:
        i.changes === null ? null : (JSON.parse(i.changes) as Record<string, [unknown, unknown]>),
    }));
  }

  /**
   * At start-up: runs left `running` by a process that stopped are marked interrupted — at
   * once when that process is known to be gone (same host), else once its heartbeat is stale.
   */
  async interruptStale(staleMs = 60_000): Promise<void> {
    const at = new Date().toISOString();
    await interruptStoppedRuns(this.store.db, at);
    await interruptStaleRuns(this.store.db, new Date(Date.now() - staleMs).toISOString(), at);
  }
}
