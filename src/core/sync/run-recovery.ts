/**
 * Sync runs of processes that stopped (a crash, a SIGKILL, a node that went away): their runs
 * read `interrupted`, not `running` for ever, and their lease does not hold the directory
 * until it expires. Whether a process has certainly stopped is src/jobs/runner.ts's call:
 * same host and a pid that is gone (or reused by a new process). What a stopped process had
 * written is whole (each write is its own transaction); the next run finishes the work.
 */
import { runnerStopped } from '../../jobs/runner.ts';
import type { Executor } from '../../store/people-repo.ts';
import {
  interruptRuns,
  leaseOf,
  runningRuns,
  takeLease,
  takeLeaseFrom,
} from '../../store/sync-repo.ts';

/** Marks interrupted the running runs whose process has certainly stopped; answers their ids. */
export async function interruptStoppedRuns(db: Executor, at: string): Promise<number[]> {
  const dead = (await runningRuns(db)).filter((r) => runnerStopped(r.runner)).map((r) => r.id);
  await interruptRuns(db, dead, at);
  return dead;
}

/**
 * Takes the directory's lease: when it is free or expired, or when its holder's process has
 * certainly stopped. Once held, no other run of the directory can be going on, so any still
 * marked running is a dead one and is marked interrupted.
 */
export async function takeRunLease(
  db: Executor,
  directoryId: number,
  holder: string,
  now: string,
  until: string,
): Promise<boolean> {
  let held = await takeLease(db, directoryId, holder, now, until);
  if (!held) {
    const lease = await leaseOf(db, directoryId);
    if (lease && runnerStopped(lease.holder))
      held = await takeLeaseFrom(db, directoryId, lease.holder, holder, until);
  }
  if (held)
    await interruptRuns(
      db,
      (await runningRuns(db, directoryId)).map((r) => r.id),
      now,
    );
  return held;
}
