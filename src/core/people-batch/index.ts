/**
 * Bulk add/update of people keyed by username: the engine behind CSV imports and directory
 * syncs. `plan` says per row what would happen (create, update with field changes,
 * unchanged, error) without writing; `apply` writes every planned change in one transaction,
 * so a file is applied whole or not at all.
 *
 * Memory: a batch of 100,000 rows is read a slice at a time (`BatchSource`; an array is
 * one). Each slice is planned in full, then only a small record per row is kept (`Kept`:
 * the outcome and what the cross-row rules need: claimed email and user code, manager
 * links). An apply plans the rows it creates again, a slice at a time, inside the
 * transaction, rather than holding a new record for every row between plan and write.
 */
import type * as repo from '../../store/people-repo.ts';
import { inBulkWrite } from '../../store/bulk-write.ts';
import type { Store } from '../../store/database.ts';
import type { Actor } from '../context.ts';
import { GatehouseError } from '../errors.ts';
import type { PeopleOptions } from '../people.ts';
import type { ProfileFieldsService } from '../profile-fields.ts';
import type { SettingsService } from '../settings.ts';
import { translateUnique } from '../uniqueness.ts';
import type { BatchServices } from './context.ts';
import { hashPasswords } from './passwords.ts';
import { planAll } from './plan.ts';
import type { BatchResult, BatchSource, BatchSummary, Kept } from './types.ts';
import { writeBatch } from './write.ts';

export type {
  BatchResult,
  BatchRow,
  BatchSource,
  BatchSummary,
  RowAction,
  RowOutcome,
} from './types.ts';

export class PeopleBatch {
  private readonly services: BatchServices;

  constructor(
    store: Store,
    opts: PeopleOptions,
    settings: SettingsService,
    profileFields: ProfileFieldsService,
  ) {
    this.services = { store, opts, settings, profileFields };
  }

  async plan(actor: Actor, rows: BatchSource): Promise<BatchResult> {
    const { kept } = await planAll(this.services, actor, rows);
    return { applied: false, ...this.report(kept) };
  }

  /**
   * Applies a batch. With errors in any row nothing is written unless `validOnly` is set,
   * in which case the valid rows are applied and the others reported.
   */
  async apply(
    actor: Actor,
    rows: BatchSource,
    options: {
      validOnly?: boolean;
      origin?: string | null;
      /** After each password hashed; a returned promise is awaited (before the transaction). */
      onProgress?: (done: number, total: number) => void | Promise<void>;
      /**
       * Awaited just before the write transaction opens (so a caller may still write
       * elsewhere, e.g. store an import's phase, even on SQLite's one connection).
       */
      onWrite?: (changes: number) => void | Promise<void>;
      /**
       * Inside the transaction, after each slice written: changes written so far. A returned
       * promise is awaited (on SQLite it must not wait for the database: the transaction holds
       * its one connection).
       */
      onWriteProgress?: (done: number, total: number) => void | Promise<void>;
      /**
       * Awaited last inside the write transaction, with it: what the caller writes there
       * (an import run marked applied) commits with the batch or not at all.
       */
      beforeCommit?: (tx: repo.Executor) => Promise<void>;
    } = {},
  ): Promise<BatchResult> {
    const { kept, ctx } = await planAll(this.services, actor, rows);
    const report = this.report(kept);
    if (report.summary.error > 0 && !options.validOnly) return { applied: false, ...report };
    const hashes = await hashPasswords(this.services, rows, kept, options.onProgress);
    const changes = report.summary.create + report.summary.update;
    await options.onWrite?.(changes);
    const progress = options.onWriteProgress;
    const { store } = this.services;
    try {
      await inBulkWrite(store, () =>
        store.db.transaction().execute(async (tx) => {
          await writeBatch(
            this.services,
            tx,
            ctx,
            rows,
            kept,
            hashes,
            options.origin ?? null,
            (done) => progress?.(done, changes),
          );
          await options.beforeCommit?.(tx);
        }),
      );
    } catch (err) {
      const e = translateUnique(this.services.store.caps, err);
      if (e instanceof GatehouseError)
        throw new GatehouseError(
          e.type,
          `${e.message} Another change took this value while the import ran; nothing was applied. Run the import again.`,
          e.fields,
        );
      throw e;
    }
    return { applied: true, ...report };
  }

  private report(kept: Kept[]): Omit<BatchResult, 'applied'> {
    const summary: BatchSummary = {
      rows: kept.length,
      create: 0,
      update: 0,
      unchanged: 0,
      error: 0,
    };
    for (const k of kept) summary[k.outcome.action]++;
    return { summary, outcomes: kept.map((k) => k.outcome) };
  }
}
