/**
 * The writes of a planned run, in order: new accounts in bulk through the batch engine (and
 * their identity links in its transaction), then each changed entry in its own transaction
 * (managers resolved now that new accounts have ids), then the gone entries blocked last, so
 * a run cut short never blocks before it has written the rest. Each outcome is counted in the
 * report and kept as a run item.
 */
import { idsByUsernameKeys } from '../../store/batch-repo.ts';
import type { Executor } from '../../store/people-repo.ts';
import type { Actor } from '../context.ts';
import { usernameKey } from '../normalize.ts';
import type { DirectoryRecord } from '../directories.ts';
import type { PeopleBatch, BatchRow, BatchSource } from '../people-batch/index.ts';
import type { EntryWriter } from './apply-entry.ts';
import { linkCreated } from './link-created.ts';
import { managerAt, type PlannedRun } from './plan-run.ts';
import type { RunOptions, RunReport } from './run.ts';
import type { RunItems } from './run-items.ts';
import { directoryProvider, entryError, type DirectoryEntry, type EntryOutcome } from './types.ts';

function label(e: DirectoryEntry): string {
  return e.dn ?? e.username;
}

export async function writeRun(
  deps: { db: Executor; batch: PeopleBatch; writer: EntryWriter },
  actor: Actor,
  directory: DirectoryRecord,
  entries: DirectoryEntry[],
  plan: PlannedRun,
  links: Map<string, number>,
  opts: RunOptions,
  report: RunReport,
  items: RunItems,
  mode: 'full' | 'incremental',
): Promise<void> {
  const db = deps.db;
  const record = (entry: string, o: EntryOutcome) => {
    if (o.action === 'error') report.counts.errors++;
    else report.counts[o.action]++;
    if (o.action === 'unchanged') return;
    items.add({
      entry,
      person_id: o.personId,
      action: o.action,
      changes: Object.keys(o.changes).length > 0 ? JSON.stringify(o.changes) : null,
      error: o.error ? o.error.message : null,
    });
  };
  report.counts.unchanged = plan.unchanged;
  for (const [i, o] of plan.errors) record(label(entries[i]!), o);
  const total = plan.creates.length + plan.changes.length + plan.gone.length;
  let done = 0;
  const provider = directoryProvider(directory.id);
  // New accounts, in bulk. Managers among this run's entries are named by username. The
  // batch engine takes its rows a slice at a time: each is made when asked for, so that the
  // run does not hold a second record of every new account beside its entry.
  if (plan.creates.length > 0) {
    const toRow = (i: number, n: number): BatchRow => {
      const e = entries[i]!;
      const mi = managerAt(plan, i);
      const row: BatchRow = {
        row: n + 1,
        username: e.username,
        fields: {
          ...e.fields,
          ...(Object.keys(e.profile).length > 0 ? { profile: { ...e.profile } } : {}),
        },
        state: e.active ? 'active' : 'blocked',
      };
      if (mi !== undefined) row.manager = mi === null ? null : { username: entries[mi]!.username };
      return row;
    };
    const rows: BatchSource = {
      length: plan.creates.length,
      slice: (start, end) => plan.creates.slice(start, end).map((i, k) => toRow(i, start + k)),
    };
    const result = opts.dryRun
      ? await deps.batch.plan(actor, rows)
      : await deps.batch.apply(actor, rows, {
          validOnly: true,
          origin: provider,
          beforeCommit: (tx: Executor) =>
            linkCreated(
              tx,
              directory.id,
              provider,
              plan.creates.map((i) => entries[i]!),
              links,
            ),
        });
    for (const [n, o] of result.outcomes.entries()) {
      const e = entries[plan.creates[n]!]!;
      if (o.action === 'error')
        record(
          label(e),
          entryError(
            'validation_failed',
            (o.errors ?? []).map((x) => `${x.field}: ${x.message}`).join(' '),
          ),
        );
      else record(label(e), { action: 'created', personId: o.person_id, changes: o.changes ?? {} });
      await items.flush();
    }
    done += plan.creates.length;
    opts.onProgress?.('writing', done, total);
  }
  // Managers of changed entries, now that new accounts have ids.
  // An incremental run sees only changed entries: whether another entry still uses a
  // username is then judged by its account's state, as for one entry at a time.
  const liveLinks =
    mode === 'full' && plan.changes.length > 0
      ? new Set(entries.map((e) => e.externalId))
      : undefined;
  const idOf = async (i: number): Promise<number | null> => {
    const e = entries[i]!;
    const linked = links.get(e.externalId);
    if (linked !== undefined) return linked;
    const r = await idsByUsernameKeys(db, [usernameKey(e.username)]);
    return r[0]?.id ?? null;
  };
  for (const i of plan.changes) {
    const e = entries[i]!;
    const mi = managerAt(plan, i);
    const managerId = mi === undefined ? undefined : mi === null ? null : await idOf(mi);
    record(
      label(e),
      await deps.writer.apply(actor, directory, e, {
        dryRun: opts.dryRun,
        managerId,
        ...(liveLinks ? { liveLinks } : {}),
      }),
    );
    await items.flush();
    opts.onProgress?.('writing', ++done, total);
  }
  for (const g of plan.gone) {
    const o = opts.dryRun
      ? {
          action: 'blocked' as const,
          personId: g.personId,
          changes: { state: ['active', 'blocked'] as [unknown, unknown] },
        }
      : await deps.writer.remove(
          actor,
          directory,
          g.externalId,
          'No longer in the directory (deleted, or out of its filter or sync group).',
        );
    record(g.username, o);
    await items.flush();
    opts.onProgress?.('writing', ++done, total);
  }
}
