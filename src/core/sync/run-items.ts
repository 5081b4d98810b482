/**
 * A run's per-entry items (the report's detail), written to the database a batch at a time
 * as the run goes rather than all at its end: a first run of 100,000 entries makes 100,000
 * "created" items with their field changes, which held until the end would be a large share
 * of the server's memory at its peak.
 */
import type { Executor } from '../../store/people-repo.ts';
import { insertRunItems, type RunItem } from '../../store/sync-repo.ts';

const BATCH = 1000;

export class RunItems {
  private pending: RunItem[] = [];
  /** Items of the run so far, written or not. */
  count = 0;

  constructor(
    private readonly db: Executor,
    private readonly runId: number,
  ) {}

  add(item: Omit<RunItem, 'seq'>): void {
    this.pending.push({ ...item, seq: ++this.count });
  }

  /** Writes the pending items once a batch of them is waiting; with `all`, whatever is left. */
  async flush(all = false): Promise<void> {
    if (this.pending.length === 0 || (!all && this.pending.length < BATCH)) return;
    await insertRunItems(this.db, this.runId, this.pending.splice(0));
  }
}
