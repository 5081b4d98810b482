/**
 * The directory's log of SCIM requests (time, method, path, status, error sentence) for the
 * console, so an administrator can see why Okta or Entra reports a failure. Entries are
 * buffered and written in one insert a second (a lookup costs no write of its own); the
 * newest 1,000 per directory are kept.
 */
import type { Store } from '../../store/database.ts';
import { insertScimRequests, pruneScimRequests } from '../../store/scim-repo.ts';
import type { Insertable } from 'kysely';
import type { ScimRequestsTable } from '../../store/schema.ts';

export const KEEP_PER_DIRECTORY = 1000;
const FLUSH_MS = 1000;
const MAX_BUFFER = 500;

export class ScimRequestLog {
  private buffer: Insertable<ScimRequestsTable>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writes = 0;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store) {}

  push(entry: Insertable<ScimRequestsTable>): void {
    this.buffer.push(entry);
    if (this.buffer.length >= MAX_BUFFER) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes what is buffered (also on close, and before the log is read). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const rows = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      if (rows.length === 0) return;
      try {
        await this.store.db.transaction().execute(async (tx) => {
          await insertScimRequests(tx, rows);
          if ((this.writes += rows.length) >= 200) {
            this.writes = 0;
            for (const d of new Set(rows.map((r) => r.directory_id)))
              await pruneScimRequests(tx, d, KEEP_PER_DIRECTORY);
          }
        });
      } catch (err) {
        // The log is for diagnosis; losing a second of it must not fail requests.
        process.emitWarning(`SCIM request log not written: ${(err as Error).message}`);
      }
    });
    return this.flushing;
  }
}

/** One per store: the SCIM scope writes, the People API's log route reads after a flush. */
const logs = new WeakMap<Store, ScimRequestLog>();
export function requestLogOf(store: Store): ScimRequestLog {
  let log = logs.get(store);
  if (!log) logs.set(store, (log = new ScimRequestLog(store)));
  return log;
}
