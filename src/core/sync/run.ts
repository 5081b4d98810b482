/**
 * A full sync run of one directory: read every entry in scope (the gate's EntrySource), plan,
 * check the safety rules, then write — new accounts in bulk through the batch engine (the
 * same rules, uniqueness and audit as a CSV import), every other change entry by entry
 * through the one-entry writer. Each write is its own transaction, so a run cut short (a
 * killed process, a lost connection) leaves whole changes only, and the next run finishes
 * the work (an account created but not yet linked is relinked by its username).
 *
 * A run holds the directory's lease (one run of a directory at a time, across nodes); the
 * lease of a process that died is taken over at once when it was on this host, else when it
 * expires (run-recovery.ts).
 *
 * Safety (DESIGN.md, "Directory sync"): a failed or partial read, an empty result, or a run
 * that would block more than max_block_percent of the directory's active accounts blocks
 * nobody; the run stops with a sentence and the list of who would have been blocked.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/database.ts';
import { listDirectories, setWatermark } from '../../store/directory-repo.ts';
import {
  insertRun,
  linksOfProvider,
  ownedCounts,
  releaseLease,
  takeLease,
  updateRun,
} from '../../store/sync-repo.ts';
import { type Actor, nowIso } from '../context.ts';
import { fail } from '../errors.ts';
import type { DirectoryRecord } from '../directories.ts';
import type { PeopleBatch } from '../people-batch/index.ts';
import type { EntryWriter } from './apply-entry.ts';
import type { GroupSync } from './group-sync.ts';
import { planRun } from './plan-run.ts';
import { writeRun } from './run-write.ts';
import { takeRunLease } from './run-recovery.ts';
import { thisRunner } from '../../jobs/runner.ts';
import { runGroupPart } from './run-groups.ts';
import { emptyLookups, lookUp } from './plan-lookups.ts';
import { readAhead } from './read-ahead.ts';
import { RunItems } from './run-items.ts';
import {
  directoryProvider,
  type DirectoryEntry,
  type DirectoryGroupEntry,
  type GroupCounts,
  type EntryAction,
} from './types.ts';

/** Where a run's entries come from: pages of every entry in scope, or a thrown error. */
export interface EntrySource {
  /** Every entry in scope; with `changedSince`, only those changed since that watermark. */
  read(changedSince?: string): AsyncIterable<DirectoryEntry[]>;
  /** The directory's change marker now, taken before reading so that nothing changed during the read is missed. */
  watermark?(): Promise<string | undefined>;
  /** Stable ids of entries deleted since the watermark, where the directory keeps them (AD); undefined where it cannot say. */
  deletedSince?(watermark: string): Promise<string[] | undefined>;
  /**
   * The directory's groups, members named by the stable ids of `entries` (this run's full
   * read); absent when the directory does not sync groups. Full runs only.
   */
  readGroups?(entries: DirectoryEntry[]): Promise<DirectoryGroupEntry[]>;
}

export type RunCounts = Record<Exclude<EntryAction, 'error'> | 'errors', number>;

export interface RunReport {
  id: number;
  directory_id: number;
  status: 'running' | 'completed' | 'stopped' | 'failed' | 'interrupted';
  dry_run: boolean;
  mode: 'full' | 'incremental';
  trigger: 'manual' | 'schedule';
  started_at: string;
  finished_at: string | null;
  counts: RunCounts;
  stop_reason: string | null;
  /** Who the run would have blocked, when the safety rule stopped it (first 1,000). */
  would_block: { person_id: number; username: string }[];
  /** What the group sync did (or, in a dry run, would do); null when the run synced no groups. */
  groups: GroupCounts | null;
  /** Why the group sync changed nothing, when it could not run; the users are synced all the same. */
  group_error: string | null;
}

export interface RunOptions {
  dryRun: boolean;
  /**
   * incremental: only entries changed since the last run's watermark (and, on AD, the
   * deleted ones); falls back to full when the directory has no watermark yet.
   */
  mode?: 'full' | 'incremental';
  confirmMassBlock: boolean;
  trigger: 'manual' | 'schedule';
  onProgress?: (phase: string, done: number, total: number) => void;
  /** Called once the run row exists (async runs answer its URL at once). */
  onStarted?: (runId: number) => void;
  /**
   * Asked once the lease is held (schedules): false when another node ran it meanwhile, and
   * the run is skipped (SkippedRun is thrown) without a trace.
   */
  stillDue?: () => Promise<boolean>;
}

/** A scheduled run found, once it held the lease, that another node had just done it. */
export class SkippedRun extends Error {
  constructor() {
    super('skipped: not due any more');
  }
}

const LEASE_MS = 120_000;
const WOULD_BLOCK_KEPT = 1000;

export function emptyCounts(): RunCounts {
  return {
    created: 0,
    updated: 0,
    adopted: 0,
    renamed: 0,
    blocked: 0,
    reactivated: 0,
    unchanged: 0,
    errors: 0,
  };
}

export class SyncRunner {
  constructor(
    private readonly store: Store,
    private readonly batch: PeopleBatch,
    private readonly writer: EntryWriter,
    private readonly groupSync: GroupSync,
  ) {}

  async run(
    actorIn: Actor,
    directory: DirectoryRecord,
    source: EntrySource,
    opts: RunOptions,
  ): Promise<RunReport> {
    const db = this.store.db;
    const actor: Actor = {
      ...actorIn,
      directoryId: directory.id,
      gate: directory.type === 'scim' ? 'scim' : 'ldap',
    };
    // The holder names this process, so that a process restarted after a crash can tell a
    // dead holder's lease from a live one's (run-recovery.ts).
    const holder = `${thisRunner()} ${randomUUID()}`;
    const leaseUntil = () => new Date(Date.now() + LEASE_MS).toISOString();
    if (!(await takeRunLease(db, directory.id, holder, nowIso(), leaseUntil())))
      fail('sync_in_progress');
    if (opts.stillDue && !(await opts.stillDue())) {
      await releaseLease(db, directory.id, holder);
      throw new SkippedRun();
    }
    const started = nowIso();
    const since = opts.mode === 'incremental' ? (directory.watermark ?? undefined) : undefined;
    const mode = since === undefined ? 'full' : 'incremental';
    const row = await insertRun(db, {
      directory_id: directory.id,
      status: 'running',
      dry_run: opts.dryRun ? 1 : 0,
      mode,
      trigger: opts.trigger,
      started_by_label: actor.label,
      started_at: started,
      heartbeat_at: started,
      phase: 'reading',
      runner: thisRunner(),
    });
    opts.onStarted?.(row.id);
    // The lease and the run's heartbeat are renewed while the run goes on.
    const beat = setInterval(() => {
      void takeLease(db, directory.id, holder, nowIso(), leaseUntil()).catch(() => undefined);
      void updateRun(db, row.id, { heartbeat_at: nowIso() }).catch(() => undefined);
    }, 10_000);
    beat.unref();
    const report: RunReport = {
      id: row.id,
      directory_id: directory.id,
      status: 'running',
      dry_run: opts.dryRun,
      mode,
      trigger: opts.trigger,
      started_at: started,
      finished_at: null,
      counts: emptyCounts(),
      stop_reason: null,
      would_block: [],
      groups: null,
      group_error: null,
    };
    const items = new RunItems(db, row.id);
    const finish = async (status: RunReport['status'], reason: string | null) => {
      report.status = status;
      report.stop_reason = reason;
      report.finished_at = nowIso();
      await items.flush(true);
      await updateRun(db, row.id, {
        status,
        stop_reason: reason,
        finished_at: report.finished_at,
        phase: null,
        counts: JSON.stringify(report.counts),
        would_block: report.would_block.length > 0 ? JSON.stringify(report.would_block) : null,
        item_count: items.count,
        group_counts: report.groups ? JSON.stringify(report.groups) : null,
        group_error: report.group_error,
      });
      return report;
    };
    try {
      const entries: DirectoryEntry[] = [];
      let mark: string | undefined;
      let deleted: string[] | undefined;
      const provider = directoryProvider(directory.id);
      // The lease is held: no other run changes the directory's links while this one reads.
      const links = await linksOfProvider(db, provider);
      const lookups = emptyLookups();
      // The plan's lookups of each page, in order, while the next pages are read; their own
      // errors are the run's errors, not the directory's (awaited after the read).
      let looked: Promise<void> = Promise.resolve();
      try {
        mark = await source.watermark?.();
        for await (const page of readAhead(source.read(since))) {
          const base = entries.length;
          for (const e of page) entries.push(e);
          looked = looked.then(() => lookUp(db, entries, base, page.length, links, lookups));
          looked.catch(() => undefined); // handled: awaited below
          opts.onProgress?.('reading', entries.length, 0);
        }
        if (since !== undefined) deleted = await source.deletedSince?.(since);
      } catch (err) {
        await looked.catch(() => undefined);
        return await finish(
          'failed',
          `The directory could not be read in full, so nobody was blocked or changed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      await looked;
      const owned = await ownedCounts(db, directory.id);
      if (mode === 'full' && entries.length === 0 && owned.all > 0)
        return await finish(
          'stopped',
          'The directory answered no entries at all, so nobody was blocked. Check the base DN, the filter and the sync group; if the directory is really empty now, release its accounts instead.',
        );
      await updateRun(db, row.id, { phase: 'planning' });
      const names = new Map((await listDirectories(db)).map((d) => [d.id, d.name]));
      const plan = await planRun(db, directory, entries, links, names, lookups, {
        incremental: mode === 'incremental',
        deleted: deleted ?? [],
      });
      const share = owned.active === 0 ? 0 : (plan.wouldBlock.length / owned.active) * 100;
      if (
        plan.wouldBlock.length > 0 &&
        directory.max_block_percent < 100 &&
        share > directory.max_block_percent &&
        !opts.confirmMassBlock
      ) {
        report.would_block = plan.wouldBlock
          .slice(0, WOULD_BLOCK_KEPT)
          .map((w) => ({ person_id: w.personId, username: w.username }));
        report.counts.blocked = plan.wouldBlock.length;
        return await finish(
          'stopped',
          `This run would block ${plan.wouldBlock.length} of the directory's ${owned.active} active accounts (${share.toFixed(1)}%), more than its limit of ${directory.max_block_percent}%, so nobody was blocked. Check the directory; if these people really left, run again with confirm_mass_block.`,
        );
      }
      await updateRun(db, row.id, { phase: 'writing' });
      await writeRun(
        { db, batch: this.batch, writer: this.writer },
        actor,
        directory,
        entries,
        plan,
        links,
        opts,
        report,
        items,
        mode,
      );
      // Groups follow the users (their members are the accounts just written). An incremental
      // run reads only changed users, not enough to know every member: full runs sync groups.
      if (mode === 'full' && source.readGroups) {
        await updateRun(db, row.id, { phase: 'groups' });
        const run = { entries, refused: new Set(plan.errors.keys()), links, dryRun: opts.dryRun };
        await runGroupPart(this.groupSync, actor, directory.id, source, run, report, items);
      }
      // The next incremental run reads from where this one started reading.
      if (!opts.dryRun && mark !== undefined) await setWatermark(db, directory.id, mark);
      return await finish('completed', null);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await finish(
        'failed',
        `The run stopped on an error; what it had written is whole, and the next run finishes the work: ${message}`,
      ).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(beat);
      await releaseLease(db, directory.id, holder).catch(() => undefined);
    }
  }
}
