/**
 * An import's run row through its life: `writing` stored before the write transaction (and, on
 * PostgreSQL, the write's progress stored from another connection during it), `applied` marked
 * in the write's own transaction, and runs of a stopped process marked `interrupted` when a
 * server starts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import SQLite from 'better-sqlite3';
import { startTestApp } from '../helpers/app.ts';
import type { App } from '../../src/app.ts';
import type { Core } from '../../src/core/index.ts';
import type { Actor } from '../../src/core/context.ts';
import { CsvImports } from '../../src/gates/csv/imports.ts';
import { thisRunner } from '../../src/jobs/runner.ts';
import { findImport, insertImport } from '../../src/store/imports-repo.ts';
import { countPeople } from '../../src/store/people-repo.ts';
import { buildServer } from '../../src/server.ts';

const admin: Actor = { personId: null, label: 'tester', gate: 'csv' };

function csv(prefix: string, n: number): Buffer {
  let text = 'username,firstname,surname,email\n';
  for (let i = 0; i < n; i++) text += `${prefix}${i},F,S,${prefix}${i}@example.org\n`;
  return Buffer.from(text);
}

interface Seen {
  done: number;
  phase: string | null;
  stored: number;
  total: number;
  applied: number;
}

describe('CSV import runs: writing, applied, interrupted', () => {
  let app: App & { dispose(): Promise<void> };
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.dispose();
  });

  /**
   * A core whose batch reads the run's row after each slice written, as another reader sees
   * it during the transaction (SQLite: a second connection, which WAL lets read; PostgreSQL:
   * another connection of the pool).
   */
  function watchedImports(
    seen: Seen[],
    fail = false,
  ): { imports: CsvImports; runId: () => number } {
    let id = 0;
    const reader =
      app.store.caps.engine === 'sqlite'
        ? new SQLite(app.store.location, { readonly: true })
        : null;
    const read = async () => {
      if (reader)
        return reader
          .prepare('SELECT phase, progress_done, progress_total, applied FROM imports WHERE id = ?')
          .get(id) as {
          phase: string;
          progress_done: number;
          progress_total: number;
          applied: number;
        };
      return (await findImport(app.store.db, id, false))!;
    };
    const batch = Object.create(app.core.batch) as Core['batch'];
    batch.apply = (actor, rows, options = {}) =>
      app.core.batch.apply(actor, rows, {
        ...options,
        onWriteProgress: async (done, total) => {
          await options.onWriteProgress?.(done, total);
          const r = await read();
          seen.push({
            done,
            phase: r.phase,
            stored: r.progress_done,
            total: r.progress_total,
            applied: r.applied,
          });
          if (fail && done >= total) throw new Error('the write fails at its end');
        },
      });
    const core = Object.create(app.core) as Core;
    Object.defineProperty(core, 'batch', { value: batch });
    const imports = new CsvImports(app.store, core);
    const begin = imports.begin.bind(imports);
    imports.begin = async (a, o) => (id = await begin(a, o));
    return { imports, runId: () => id };
  }

  it('a reader sees `writing` during the write transaction, and its progress where the engine allows', async () => {
    const seen: Seen[] = [];
    const { imports } = watchedImports(seen);
    const opts = { mode: 'apply' } as const;
    const id = await imports.begin(admin, opts);
    const report = await imports.run(id, admin, [csv('w', 300)], opts);
    assert.equal(report.status, 'completed');
    assert.equal(report.applied, true);
    assert.ok(seen.length >= 6, `a call per slice written (${seen.length})`);
    for (const s of seen) {
      assert.equal(s.phase, 'writing', 'stored before the transaction opened');
      assert.equal(s.total, 300);
      assert.equal(s.applied, 0, 'applied only once the write commits');
    }
    assert.equal(seen.at(-1)!.done, 300);
    if (app.store.caps.concurrentQueries)
      // Another connection stored each percent reached; 50-row slices are ~17 % each.
      assert.deepEqual(
        seen.map((s) => s.stored),
        seen.map((s) => s.done),
      );
    // SQLite's one connection is the transaction's: only the start of the write is stored.
    else assert.deepEqual(new Set(seen.map((s) => s.stored)), new Set([0]));
  });

  it('a write that fails leaves the run not applied, in the same rollback as its people', async () => {
    const seen: Seen[] = [];
    const { imports } = watchedImports(seen, true);
    const before = await countPeople(app.store.db);
    const opts = { mode: 'apply' } as const;
    const id = await imports.begin(admin, opts);
    await assert.rejects(imports.run(id, admin, [csv('f', 120)], opts), /the write fails/);
    const r = (await findImport(app.store.db, id, false))!;
    assert.equal(r.status, 'failed');
    assert.equal(r.applied, 0);
    assert.equal(await countPeople(app.store.db), before, 'nothing of the file was applied');
  });

  it('a server starting marks `interrupted` the runs of processes that stopped, and only those', async () => {
    const host = os.hostname();
    // A pid that certainly no longer exists: a child of ours that has exited.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const [, myPid] = thisRunner().split(' ');
    const at = new Date().toISOString();
    const run = async (runner: string | null, applied = 0, status = 'running' as const) =>
      (
        await insertImport(app.store.db, {
          created_by: null,
          created_by_label: 'tester',
          gate: 'cli',
          created_at: at,
          heartbeat_at: at,
          mode: 'apply',
          valid_only: 0,
          row_count: 0,
          progress_done: 0,
          progress_total: 0,
          status,
          applied,
          runner,
        })
      ).id;
    const deadPid = await run(`${host} ${gone} 0a0a0a0a0a0a`);
    const reusedPid = await run(`${host} ${myPid} 0b0b0b0b0b0b`);
    const appliedThenDied = await run(`${host} ${gone} 0c0c0c0c0c0c`, 1);
    const ours = await run(thisRunner());
    const livePid = await run(`${host} ${process.ppid} 0d0d0d0d0d0d`);
    const otherHost = await run(`another-host-${host} ${gone} 0e0e0e0e0e0e`);
    const older = await run(null);

    const server = await buildServer(app, { logger: false });
    await server.close();

    const imports = new CsvImports(app.store, app.core);
    for (const id of [deadPid, reusedPid]) {
      const r = await imports.get(id);
      assert.equal(r.status, 'interrupted', `run ${id}`);
      assert.ok(r.finished_at);
      assert.deepEqual(r.error, {
        type: 'import_interrupted',
        message: 'The server stopped during this import; nothing of it was applied. Run it again.',
      });
    }
    const applied = await imports.get(appliedThenDied);
    assert.equal(applied.status, 'interrupted');
    assert.equal(applied.applied, true);
    assert.match(applied.error!.message, /every change in it was applied/);
    // A live process (this one, our parent), another host, a run from before runners: left
    // to their heartbeat.
    for (const id of [ours, livePid, otherHost, older])
      assert.equal((await imports.get(id)).status, 'running', `run ${id}`);
  });
});
