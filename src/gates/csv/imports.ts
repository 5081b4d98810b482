/**
 * CSV import runs, shared by the API, the console and the CLI: read the file, let the core
 * plan (dry run) or apply it, and keep a report. The report names every row and, for each
 * error or change, the column as the file spells it. An apply is one core transaction, so a
 * run that fails, or a process that dies, leaves nothing half-applied; a run whose process
 * stopped shows as "interrupted".
 */
import type { Store } from '../../store/database.ts';
import type { ImportRow } from '../../store/schema.ts';
import * as repo from '../../store/imports-repo.ts';
import type { Core } from '../../core/index.ts';
import { type Actor, nowIso } from '../../core/context.ts';
import { GatehouseError, defaultMessage, fail, type FieldError } from '../../core/errors.ts';
import type { BatchSummary, RowAction, RowOutcome } from '../../core/people-batch/index.ts';
import { readImportRows, type PackedImportFile } from './read.ts';
import { exportHeader, type BuiltinColumn } from './columns.ts';
import { runnerStopped, thisRunner } from '../../jobs/runner.ts';

export type ImportMode = 'dry_run' | 'apply';
export type ImportPhase = 'reading' | 'checking' | 'hashing' | 'writing' | 'done';

export interface ImportProgress {
  phase: ImportPhase;
  done: number;
  total: number;
}

export interface ImportOptions {
  mode: ImportMode;
  validOnly?: boolean;
  fileName?: string | null;
  maxRows?: number;
  onProgress?: (p: ImportProgress) => void;
  /**
   * Called once, when the run completes, with its outcomes that have errors (row order), as
   * the stored report holds them: a caller that shows only those (the CLI's summary) need not
   * read back and parse the outcomes of every row.
   */
  onErrorOutcomes?: (outcomes: ReportOutcome[]) => void;
}

export interface ReportOutcome {
  row: number;
  username: string;
  action: RowAction;
  person_id: number | null;
  changes?: Record<string, [unknown, unknown]>;
  errors?: { column: string; message: string }[];
}

export type ImportStatus = 'running' | 'completed' | 'failed' | 'interrupted';

export interface ImportReport {
  id: number;
  status: ImportStatus;
  mode: ImportMode;
  valid_only: boolean;
  applied: boolean;
  file_name: string | null;
  rows: number;
  created_at: string;
  finished_at: string | null;
  created_by: { id: number | null; label: string; gate: string };
  progress: { phase: string | null; done: number; total: number };
  summary: BatchSummary | null;
  error: { type: string; message: string; fields?: FieldError[] } | null;
}

/** A running import whose process has not been heard of for this long has stopped. */
const STALE_MS = 60_000;
const HEARTBEAT_MS = 10_000;
const PROGRESS_WRITE_MS = 1_000;

const CORE_TO_COLUMN: Record<string, BuiltinColumn> = {
  state: 'state',
  must_change_password: 'must_change_password',
  manager: 'manager',
  manager_id: 'manager',
  extranet: 'extranet',
  extranet_id: 'extranet',
};

/** The file's own header for a core field name (or the export spelling if the file lacks it). */
export function columnFor(field: string, names: ReadonlyMap<string, string>): string {
  const own = names.get(field);
  if (own !== undefined) return own;
  if (field.startsWith('profile.')) return field.slice('profile.'.length);
  const builtin = CORE_TO_COLUMN[field];
  return builtin ? exportHeader(builtin) : field;
}

export function toReportOutcome(o: RowOutcome, names: ReadonlyMap<string, string>): ReportOutcome {
  const out: ReportOutcome = {
    row: o.row,
    username: o.username,
    action: o.action,
    person_id: o.action === 'error' ? null : o.person_id,
  };
  if (o.changes && Object.keys(o.changes).length > 0)
    out.changes = Object.fromEntries(
      Object.entries(o.changes).map(([f, pair]) => [columnFor(f, names), pair]),
    );
  if (o.errors && o.errors.length > 0)
    out.errors = o.errors.map((e) => ({ column: columnFor(e.field, names), message: e.message }));
  return out;
}

/**
 * The report's per-row outcomes as one JSON array, written an outcome at a time (a report
 * object for each of 100,000 rows at once would cost more than the text).
 */
export function outcomesJson(
  outcomes: RowOutcome[],
  names: ReadonlyMap<string, string>,
  errors?: ReportOutcome[],
): string {
  const parts: string[] = [];
  for (let i = 0; i < outcomes.length; i += 1000) {
    let part = '';
    for (const o of outcomes.slice(i, i + 1000)) {
      const out = toReportOutcome(o, names);
      if (errors && out.errors !== undefined) errors.push(out);
      part += (part === '' ? '' : ',') + JSON.stringify(out);
    }
    parts.push(part);
  }
  return `[${parts.join(',')}]`;
}

/**
 * Why a run stopped with its process. The write is one transaction that also marks the run
 * applied (beforeCommit), so `applied` says truly whether it committed: a process can stop
 * after the commit and before the report is saved.
 */
export function interruptedError(applied: boolean): { type: string; message: string } {
  return {
    type: 'import_interrupted',
    message: applied
      ? 'The server stopped after this import was applied, before its report was saved: every change in it was applied, but its per-row report is lost. Export the people to check them.'
      : defaultMessage('import_interrupted'),
  };
}

export function reportOf(r: ImportRow, now = Date.now()): ImportReport {
  const stale = r.status === 'running' && now - Date.parse(r.heartbeat_at) > STALE_MS;
  return {
    id: r.id,
    status: stale ? 'interrupted' : r.status,
    mode: r.mode,
    valid_only: r.valid_only === 1,
    applied: r.applied === 1,
    file_name: r.file_name,
    rows: r.row_count,
    created_at: r.created_at,
    finished_at: r.finished_at,
    created_by: { id: r.created_by, label: r.created_by_label, gate: r.gate },
    progress: { phase: r.phase, done: r.progress_done, total: r.progress_total },
    summary: r.summary === null ? null : (JSON.parse(r.summary) as BatchSummary),
    error: stale
      ? interruptedError(r.applied === 1)
      : r.error === null
        ? null
        : (JSON.parse(r.error) as ImportReport['error']),
  };
}

export class CsvImports {
  constructor(
    private readonly store: Store,
    private readonly core: Core,
  ) {}

  /** Records a new run (status running) and returns its id. */
  async begin(actor: Actor, opts: ImportOptions): Promise<number> {
    const at = nowIso();
    const r = await repo.insertImport(this.store.db, {
      created_by: actor.personId,
      created_by_label: actor.label,
      gate: actor.gate,
      created_at: at,
      heartbeat_at: at,
      mode: opts.mode,
      valid_only: opts.validOnly ? 1 : 0,
      status: 'running',
      applied: 0,
      file_name: opts.fileName ?? null,
      phase: 'reading',
      row_count: 0,
      progress_done: 0,
      progress_total: 0,
      runner: thisRunner(),
    });
    return r.id;
  }

  /**
   * Runs a recorded import to the end and stores its report. Problems with the file or the
   * apply become the report's error (status failed); only unexpected failures throw.
   */
  async run(
    id: number,
    actor: Actor,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    opts: ImportOptions,
  ): Promise<ImportReport> {
    const db = this.store.db;
    let last = 0;
    let pending: Promise<void> = Promise.resolve();
    const progress = (p: ImportProgress, force = false) => {
      opts.onProgress?.(p);
      const now = Date.now();
      if (!force && now - last < PROGRESS_WRITE_MS) return;
      last = now;
      pending = pending.then(() =>
        repo
          .updateImport(db, id, {
            phase: p.phase,
            progress_done: p.done,
            progress_total: p.total,
            heartbeat_at: nowIso(),
          })
          .catch(() => undefined),
      );
    };
    // The write's progress, inside its transaction. Where queries run side by side (a pool of
    // connections), another connection stores it at each percent written, with the heartbeat
    // (the transaction holds no lock on the run's row); SQLite's one connection is the
    // transaction's until it ends, so there only the caller's display hears of it.
    let storedShare = 0;
    const writing = async (done: number, of: number): Promise<void> => {
      const p: ImportProgress = { phase: 'writing', done, total: of };
      opts.onProgress?.(p);
      const share = of === 0 ? 100 : Math.floor((done * 100) / of);
      if (!this.store.caps.concurrentQueries || share <= storedShare) return;
      storedShare = share;
      await repo
        .updateImport(db, id, {
          phase: p.phase,
          progress_done: done,
          progress_total: of,
          heartbeat_at: nowIso(),
        })
        .catch(() => undefined);
    };
    const heartbeat = setInterval(() => {
      pending = pending.then(() =>
        repo.updateImport(db, id, { heartbeat_at: nowIso() }).catch(() => undefined),
      );
    }, HEARTBEAT_MS);
    heartbeat.unref();
    try {
      let file: PackedImportFile;
      try {
        const defs = await this.core.profileFields.list();
        file = await readImportRows(source, defs, opts.maxRows ? { maxRows: opts.maxRows } : {});
      } catch (err) {
        if (err instanceof GatehouseError) {
          await pending;
          return await this.finish(id, { status: 'failed', error: err });
        }
        throw err;
      }
      const total = file.rows.length;
      progress({ phase: 'checking', done: 0, total }, true);
      try {
        const result =
          opts.mode === 'dry_run'
            ? await this.core.batch.plan(actor, file.rows)
            : await this.core.batch.apply(actor, file.rows, {
                validOnly: opts.validOnly ?? false,
                origin: `import:${id}`,
                onProgress: (done, of) => progress({ phase: 'hashing', done, total: of }),
                // Stored before the transaction opens, so a report says `writing` on every
                // engine (on SQLite the transaction then holds the one connection).
                onWrite: async (changes) => {
                  progress({ phase: 'writing', done: 0, total: changes }, true);
                  await pending;
                },
                onWriteProgress: (done, of) => writing(done, of),
                beforeCommit: (tx) => repo.updateImport(tx, id, { applied: 1 }),
              });
        await pending;
        const errors: ReportOutcome[] | undefined = opts.onErrorOutcomes ? [] : undefined;
        const outcomes = outcomesJson(result.outcomes, file.header.names, errors);
        result.outcomes = [];
        const report = await this.finish(id, {
          status: 'completed',
          applied: result.applied,
          summary: result.summary,
          outcomes,
          rows: total,
        });
        if (errors) opts.onErrorOutcomes?.(errors);
        return report;
      } catch (err) {
        if (err instanceof GatehouseError) {
          await pending;
          return await this.finish(id, { status: 'failed', error: err, rows: total });
        }
        throw err;
      }
    } catch (err) {
      await pending;
      await this.finish(id, {
        status: 'failed',
        error: new GatehouseError('internal'),
      }).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async finish(
    id: number,
    r: {
      status: 'completed' | 'failed';
      applied?: boolean;
      summary?: BatchSummary;
      /** The per-row outcomes as a JSON array. */
      outcomes?: string;
      rows?: number;
      error?: GatehouseError;
    },
  ): Promise<ImportReport> {
    await repo.updateImport(this.store.db, id, {
      status: r.status,
      // Left as stored unless known: the write's own transaction marks it (beforeCommit).
      ...(r.applied !== undefined ? { applied: r.applied ? 1 : 0 } : {}),
      finished_at: nowIso(),
      heartbeat_at: nowIso(),
      phase: 'done',
      progress_done: r.rows ?? 0,
      progress_total: r.rows ?? 0,
      row_count: r.rows ?? 0,
      summary: r.summary ? JSON.stringify(r.summary) : null,
      outcomes: r.outcomes ?? null,
      error: r.error
        ? JSON.stringify({
            type: r.error.type,
            message: r.error.message,
            ...(r.error.fields ? { fields: r.error.fields } : {}),
          })
        : null,
    });
    return this.get(id);
  }

  /**
   * At start-up: marks `interrupted` the runs still `running` whose process has certainly
   * stopped (runner.ts says which can be told from here); returns their ids.
   */
  async interruptStoppedRuns(): Promise<number[]> {
    const marked: number[] = [];
    for (const r of await repo.runningImports(this.store.db)) {
      if (!runnerStopped(r.runner)) continue;
      const at = nowIso();
      const error = JSON.stringify(interruptedError(r.applied === 1));
      if (await repo.markInterrupted(this.store.db, r.id, { at, error })) marked.push(r.id);
    }
    return marked;
  }

  async get(id: number): Promise<ImportReport> {
    const r = await repo.findImport(this.store.db, id, false);
    if (!r) fail('not_found', `No import has id ${id}.`);
    return reportOf(r);
  }

  async list(offset: number, limit: number): Promise<{ data: ImportReport[]; total: number }> {
    const { rows, total } = await repo.listImports(this.store.db, offset, limit);
    return { data: rows.map((r) => reportOf(r)), total };
  }

  /** The per-row outcomes of a finished run, optionally only those with one action. */
  async outcomes(
    id: number,
    filter: { action?: RowAction | undefined; offset: number; limit: number },
  ): Promise<{ data: ReportOutcome[]; total: number }> {
    const r = await repo.findImport(this.store.db, id, true);
    if (!r) fail('not_found', `No import has id ${id}.`);
    const all = r.outcomes === null ? [] : (JSON.parse(r.outcomes) as ReportOutcome[]);
    const chosen = filter.action ? all.filter((o) => o.action === filter.action) : all;
    return {
      data: chosen.slice(filter.offset, filter.offset + filter.limit),
      total: chosen.length,
    };
  }
}
