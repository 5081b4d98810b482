/**
 * Which process runs a job (an import, a directory sync, a sync lease), and whether a process
 * named so is still alive. A run is stamped `host pid token` when it begins; a server marks
 * `interrupted` the runs that are certainly dead (src/gates/csv/imports.ts,
 * interruptStoppedRuns; src/core/sync/run-recovery.ts for syncs and their leases):
 * - same host and pid but another token: the pid was reused by this new process (a restarted
 *   container is pid 1 again), so the process that ran it is gone;
 * - same host, another pid that no longer exists.
 * A run of another host, or of a live pid here (a CLI import, a second server), is left to its
 * heartbeat: a process we cannot see may still be running it.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';

const TOKEN = randomBytes(6).toString('hex');

/** This process's name for the runs it starts. */
export function thisRunner(): string {
  return `${os.hostname()} ${process.pid} ${TOKEN}`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process that stamped `runner` has certainly stopped (seen from this one). */
export function runnerStopped(runner: string | null, self = thisRunner()): boolean {
  if (runner === null) return false;
  const [host, pidText, token] = runner.split(' ');
  const [myHost, myPid, myToken] = self.split(' ');
  if (host !== myHost || pidText === undefined || token === undefined) return false;
  if (pidText === myPid) return token !== myToken;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  return !pidAlive(pid);
}
