/**
 * Scheduled syncs: each server checks every half minute (GATEHOUSE_SYNC_CHECK_SECONDS) which
 * LDAP directories are due and starts their run. The run's database lease makes exactly one
 * node run a directory at a time; a node that takes the lease just after another finished
 * sees the fresh run and skips. Both outcomes are logged, so an operator of several nodes
 * sees that the others tried.
 */
import type { App } from '../../app.ts';
import { SYSTEM_ACTOR } from '../../core/context.ts';
import { GatehouseError } from '../../core/errors.ts';
import { nextDue } from '../../core/sync/directory-config.ts';
import { SkippedRun } from '../../core/sync/run.ts';
import { lastFullRunStart, lastRealRunStart } from '../../store/sync-repo.ts';

import { ldapEntrySource, ldapTarget } from './directory.ts';

const FULL_EVERY_MS = 24 * 3_600_000;

export interface SchedulerLog {
  info(msg: string): void;
  warn(obj: unknown, msg: string): void;
  debug(msg: string): void;
}

export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running = new Set<number>();

  constructor(
    private readonly app: App,
    private readonly log: SchedulerLog,
  ) {}

  start(everyMs = 30_000): void {
    this.timer = setInterval(
      () =>
        void this.tick().catch((err: unknown) =>
          this.log.warn({ err }, 'sync schedule check failed'),
        ),
      everyMs,
    );
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async due(directoryId: number, now: Date): Promise<boolean> {
    const d = await this.app.core.directories.get(directoryId);
    const last = await lastRealRunStart(this.app.store.db, directoryId);
    const next = nextDue(d.schedule, last ? new Date(last) : null, now);
    return next !== null && next <= now;
  }

  /**
   * Scheduled runs are incremental between full runs, and full once a day: only a full run
   * sees entries that left the filter or the sync group, and OpenLDAP's deletions.
   */
  private async modeFor(directoryId: number, now: Date): Promise<'full' | 'incremental'> {
    const lastFull = await lastFullRunStart(this.app.store.db, directoryId);
    return lastFull && now.getTime() - new Date(lastFull).getTime() < FULL_EVERY_MS
      ? 'incremental'
      : 'full';
  }

  /** Starts every due run; resolves when they have finished (tests await it). */
  async tick(now: Date = new Date()): Promise<void> {
    const runs: Promise<void>[] = [];
    for (const d of await this.app.core.directories.records()) {
      if (d.type !== 'ldap' || d.schedule === null || this.running.has(d.id)) continue;
      if (!(await this.due(d.id, now))) continue;
      this.running.add(d.id);
      runs.push(
        (async () => {
          try {
            const t = await ldapTarget(this.app.core, d.id);
            const report = await this.app.core.syncRunner.run(
              {
                ...SYSTEM_ACTOR,
                label: `directory:${d.name} (schedule)`,
                gate: 'ldap',
                directoryId: d.id,
              },
              t.directory,
              ldapEntrySource(t),
              {
                dryRun: false,
                confirmMassBlock: false,
                trigger: 'schedule',
                stillDue: () => this.due(d.id, now),
              },
            );
            this.log.info(
              `Scheduled sync of "${d.name}": ${report.status}${report.stop_reason ? ` — ${report.stop_reason}` : ''}`,
            );
          } catch (err) {
            if (err instanceof SkippedRun)
              return this.log.info(
                `Scheduled sync of "${d.name}" skipped: another server has just run it.`,
              );
            if (err instanceof GatehouseError && err.type === 'sync_in_progress')
              return this.log.info(
                `Scheduled sync of "${d.name}" not started: a sync of it is running (on this or another server).`,
              );
            this.log.warn({ err }, `Scheduled sync of "${d.name}" failed`);
          } finally {
            this.running.delete(d.id);
          }
        })(),
      );
    }
    this.log.debug('Sync schedules checked.');
    await Promise.all(runs);
  }
}
