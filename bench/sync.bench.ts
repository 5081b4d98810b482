/**
 * Directory sync from OpenLDAP (issue 8 §6): the real server (as `npm start` runs it) syncs a
 * fresh slapd of N people (bench/ldap-read.ts: slapadd, the OpenLDAP preset's attributes)
 * through `POST /api/people/v2/directories/{id}/sync`, per engine, against raw baselines
 * measured in the same run, in alternating rounds (each sync round on a fresh copy of one
 * migrated database and a fresh server):
 * - the paged read of the same entries with the same LDAP client (readUsers), in this process;
 * - the CSV import of the same people through `gatehouse users import` (the built CLI, one
 *   process, on another fresh copy).
 * Figures:
 * - full sync of N new entries / (paged read + CSV import): target <= 1.5;
 * - a second run, nothing changed / paged read: target <= 1.5, and it must write no audit
 *   event (the audit table's row count, read with plain SQL, is asserted unchanged). Each
 *   round makes SECOND_RUNS of them, each between two paged reads, and the figure is the
 *   median of their ratios to the mean of the two reads beside them: the two sides are then
 *   timed within seconds of each other, where the average of reads made minutes apart moved
 *   with the load (session 8: 2.16 and 3.43 s at equal CPU). On PostgreSQL the database is
 *   vacuumed, analysed and checkpointed after the full run, as it is minutes after a large
 *   import (autovacuum; the test server runs without it);
 * - an incremental run after 100 entries changed in the directory: beside the full run and
 *   beside the paged read (information);
 * - the server's peak RSS (VmHWM) through the full sync: target <= 300 MB (absolute).
 * The 1-minute load average is printed beside the figures (the machine is shared).
 * BENCH_QUICK=1: 20,000 entries.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Attribute, Change } from 'ldapts';
import pg from 'pg';
import { createAdministrator } from '../src/bootstrap.ts';
import { SYSTEM_ACTOR } from '../src/core/context.ts';
import { ensureServerBuilt } from '../scripts/build.ts';
import { withRoot } from '../test/helpers/slapd.ts';
import { ownCpuMs } from './lib/alternate.ts';
import { gatehouse, type CliRun } from './lib/cli.ts';
import { countRows } from './lib/count-rows.ts';
import { createLdapDirectory, timedSync, type TimedSync } from './lib/directory-api.ts';
import { ENGINES, type Engine } from './lib/people.ts';
import { templateDatabase, type TemplateDatabase } from './lib/raw-insert.ts';
import { startServer } from './lib/server.ts';
import { ratioRow, type RatioRow } from './lib/types.ts';
import {
  loadedPerson,
  PEOPLE_OU,
  peopleCsv,
  readEntries,
  startLoadedSlapd,
  type LoadedDirectory,
} from './ldap-read.ts';

export const title = 'Directory sync from OpenLDAP';
export const timeoutMs = 60 * 60_000;

const N = process.env.BENCH_QUICK ? 20_000 : 100_000;
const CHANGED = 100;
const ROUNDS = 2;
/** Second runs (nothing changed) per round, each between two paged reads. */
const SECOND_RUNS = 3;
const SECRET = { GATEHOUSE_SECRET_KEY: 'b5'.repeat(32) };

interface Read {
  seconds: number;
  cpuMs: number;
}

/** A second run and the mean of the paged reads just before and after it. */
interface Paired {
  run: TimedSync;
  read: Read;
}

interface SyncRound {
  full: TimedSync;
  seconds: Paired[];
  incremental: TimedSync;
  /** Server VmHWM right after the full run, and at the end of the round, MB. */
  peakAfterFull: number;
  peakAtEnd: number;
  /** VmHWM of the idle server before the first run, MB. */
  idle: number;
  audit: { afterFull: number; afterSecond: number[] };
}

const load1 = () => os.loadavg()[0]!.toFixed(1);
const fmt = (xs: number[], d = 2) => xs.map((x) => x.toFixed(d)).join(', ');
const avg = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

async function pagedRead(dir: LoadedDirectory): Promise<Read> {
  const cpu0 = ownCpuMs();
  const r = await readEntries(dir.conn, dir.search);
  if (r.count !== N) throw new Error(`the paged read saw ${r.count} entries, not ${N}`);
  return { seconds: r.ms / 1000, cpuMs: ownCpuMs() - cpu0 };
}

/** Changes the title of CHANGED entries spread over the directory, as the root DN. */
async function changeEntries(dir: LoadedDirectory, round: number): Promise<void> {
  await withRoot(dir.server, async (c) => {
    for (let k = 0; k < CHANGED; k++) {
      const { uid } = loadedPerson(Math.floor((k * N) / CHANGED));
      await c.modify(
        `uid=${uid},${PEOPLE_OU}`,
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'title', values: [`Changed ${round} ${k}`] }),
        }),
      );
    }
  });
}

/**
 * slapadd stamps every entry with the second it was loaded in, and -w puts the newest of them
 * in contextCSN. An incremental read asks for modifyTimestamp >= the watermark's second (the
 * attribute has no finer grain), so it would read again every entry loaded in that last second
 * (about a fifth of 100,000). A live directory's contextCSN moves on with every change: one
 * change outside the users' scope, a second later, gives the bench that state.
 */
async function touchDirectory(dir: LoadedDirectory): Promise<void> {
  await new Promise((r) => setTimeout(r, 1100));
  await withRoot(dir.server, (c) =>
    c.modify(
      PEOPLE_OU,
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'description', values: ['bench'] }),
      }),
    ),
  );
}

/** One round of the product: a fresh server on a fresh copy; full, unchanged, incremental. */
async function syncRound(
  engine: Engine,
  template: TemplateDatabase,
  key: string,
  dir: LoadedDirectory,
  round: number,
  log: (s: string) => void,
): Promise<SyncRound> {
  const read = () => pagedRead(dir);
  const copy = await template.copy();
  const server = await startServer({ ...copy.env, ...SECRET });
  try {
    const idle = server.peakRssMb();
    const id = await createLdapDirectory(server, key, {
      name: 'Bench OpenLDAP',
      url: dir.conn.url,
      bind_dn: dir.conn.bindDn,
      bind_password: dir.conn.bindPassword,
      base_dn: PEOPLE_OU,
    });
    log(`${engine}: round ${round + 1}: full sync of ${N.toLocaleString('en-GB')} new entries…`);
    const full = await timedSync(server, key, id);
    const peakAfterFull = server.peakRssMb();
    if (full.report.counts.created !== N)
      throw new Error(`the full run created ${full.report.counts.created}, not ${N}`);
    const afterFull = await countRows(copy.env, 'audit_events');
    if (copy.env.DATABASE_URL) await settle(copy.env.DATABASE_URL);
    log(
      `${engine}: round ${round + 1}: ${SECOND_RUNS} second runs, nothing changed, between reads…`,
    );
    const seconds: Paired[] = [];
    const afterSecond: number[] = [];
    let before = await read();
    for (let k = 0; k < SECOND_RUNS; k++) {
      const run = await timedSync(server, key, id);
      const after = await read();
      afterSecond.push(await countRows(copy.env, 'audit_events'));
      if (run.report.counts.unchanged !== N)
        throw new Error(`a second run left ${run.report.counts.unchanged} unchanged, not ${N}`);
      if (afterSecond[k] !== afterFull)
        throw new Error(
          `a second run (nothing changed) wrote ${afterSecond[k]! - afterFull} audit events`,
        );
      const mean = (a: number, b: number) => (a + b) / 2;
      seconds.push({
        run,
        read: {
          seconds: mean(before.seconds, after.seconds),
          cpuMs: mean(before.cpuMs, after.cpuMs),
        },
      });
      before = after;
    }
    log(`${engine}: round ${round + 1}: incremental run, ${CHANGED} entries changed…`);
    await changeEntries(dir, round);
    const incremental = await timedSync(server, key, id, { mode: 'incremental' });
    const c = incremental.report.counts;
    if (incremental.report.mode !== 'incremental' || c.updated !== CHANGED || c.unchanged > CHANGED)
      throw new Error(
        `the incremental run (${incremental.report.mode}) updated ${c.updated} entries, not ${CHANGED}; read ${c.updated + c.unchanged}`,
      );
    return {
      full,
      seconds,
      incremental,
      peakAfterFull,
      peakAtEnd: server.peakRssMb(),
      idle,
      audit: { afterFull, afterSecond },
    };
  } finally {
    await server.stop();
    await copy.drop();
  }
}

/**
 * The database as it is minutes after a large import: vacuumed and analysed (what autovacuum
 * does: the visibility map, hint bits, statistics) and checkpointed. Why the checkpoint: the
 * full run and the CSV import before it leave shared_buffers (128 MB here) full of dirty
 * pages and a checkpoint requested by their WAL (max_wal_size) spread over minutes, so the
 * second runs of the first round evicted dirty pages and competed with its writes: 1.46–1.55
 * × the reads, against 1.08–1.19 × in the second round (14:47 UTC run, equal server CPU).
 */
async function settle(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('VACUUM ANALYZE');
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

async function csvImport(template: TemplateDatabase, file: string): Promise<CliRun> {
  const copy = await template.copy();
  try {
    return gatehouse(['users', 'import', file, '--no-progress'], copy.env);
  } finally {
    await copy.drop();
  }
}

async function measureEngine(
  engine: Engine,
  dir: LoadedDirectory,
  csvFile: string,
  log: (s: string) => void,
): Promise<RatioRow[]> {
  let key = '';
  const template = await templateDatabase(engine, async (app) => {
    const adminId = await createAdministrator(app, SYSTEM_ACTOR, 'benchadmin', 'bench-pass-1');
    key = (await app.apiKeys.create(SYSTEM_ACTOR, adminId, 'bench', null)).key;
  });
  const loads: string[] = [load1()];
  const reads: Read[] = [];
  const imports: CliRun[] = [];
  const syncs: SyncRound[] = [];
  try {
    // Warm-up: slapd's entry cache and this process's LDAP client code.
    await pagedRead(dir);
    for (let round = 0; round < ROUNDS; round++) {
      log(`${engine}: round ${round + 1}: paged read (load ${load1()})…`);
      reads.push(await pagedRead(dir));
      // The product and the CSV baseline swap places from one round to the next.
      const csv = async () => {
        log(`${engine}: round ${round + 1}: gatehouse users import of the same people…`);
        imports.push(await csvImport(template, csvFile));
      };
      if (round % 2 === 0) await csv();
      syncs.push(await syncRound(engine, template, key, dir, round, log));
      if (round % 2 === 1) await csv();
      log(`${engine}: round ${round + 1}: paged read…`);
      reads.push(await pagedRead(dir));
      loads.push(load1());
    }
  } finally {
    await template.drop();
  }

  const n = N.toLocaleString('en-GB');
  const readS = avg(reads.map((r) => r.seconds));
  const readCpu = avg(reads.map((r) => r.cpuMs)) / N;
  const csvS = avg(imports.map((r) => r.seconds));
  const csvCpu = avg(imports.map((r) => r.cpuMs)) / N;
  const ofSync = (f: (s: SyncRound) => TimedSync) => ({
    s: avg(syncs.map((r) => f(r).seconds)),
    cpu: avg(syncs.map((r) => f(r).cpuMs)) / N,
    runs: fmt(syncs.map((r) => f(r).seconds)),
  });
  const full = ofSync((r) => r.full);
  // The second runs by their ratio to the reads beside them: the median pair is the figure.
  const pairs = syncs.flatMap((r) => r.seconds);
  const ratioOf = (p: Paired) => p.run.seconds / p.read.seconds;
  const byRatio = [...pairs].sort((a, b) => ratioOf(a) - ratioOf(b));
  const median = byRatio[Math.floor(byRatio.length / 2)]!;
  const pairCpu = avg(pairs.map((p) => p.run.cpuMs)) / N;
  const pairReadCpu = avg(pairs.map((p) => p.read.cpuMs)) / N;
  const incr = ofSync((r) => r.incremental);
  const loadNote = `1-min load average ${loads.join(' → ')} on ${os.availableParallelism()} cores`;
  const pgNote = engine === 'postgres' ? '; PostgreSQL server and slapd CPU not counted' : '';
  return [
    ratioRow({
      figure: `full sync of ${n} new entries vs paged read + gatehouse users import of the same people`,
      engine,
      product: full.s,
      baseline: readS + csvS,
      unit: 's',
      target: { op: '<=', value: 1.5 },
      cpuPerOp: { product: full.cpu, baseline: readCpu + csvCpu },
      note: `sync runs ${full.runs} s; paged reads ${fmt(reads.map((r) => r.seconds))} s; imports ${fmt(imports.map((r) => r.seconds))} s (peak RSS of the command ${Math.max(...imports.map((r) => r.peakRssMb)).toFixed(0)} MB); CPU ms per entry of the server / of the reader + the import command${pgNote}; ${loadNote}`,
    }),
    ratioRow({
      figure: `second run, nothing changed (${n} entries) vs paged read`,
      engine,
      product: median.run.seconds,
      baseline: median.read.seconds,
      unit: 's',
      target: { op: '<=', value: 1.5 },
      cpuPerOp: { product: pairCpu, baseline: pairReadCpu },
      note: `the median of ${pairs.length} runs by ratio to the mean of the reads before and after each: runs ${fmt(pairs.map((p) => p.run.seconds))} s against reads ${fmt(pairs.map((p) => p.read.seconds))} s, ratios ${fmt(pairs.map(ratioOf))}; CPU ms per entry over all of them${engine === 'postgres' ? ' (vacuumed, analysed and checkpointed after the full run)' : ''}; audit rows after the full run / after each second run: ${syncs.map((r) => `${r.audit.afterFull} / ${r.audit.afterSecond.join(', ')}`).join('; ')} (no audit event written)`,
    }),
    ratioRow({
      figure: `incremental run, ${CHANGED} of ${n} entries changed, vs the full run`,
      engine,
      product: incr.s,
      baseline: full.s,
      unit: 's',
      cpuPerOp: { product: incr.cpu, baseline: full.cpu },
      note: `runs ${incr.runs} s, entries read ${syncs.map((r) => r.incremental.report.counts.updated + r.incremental.report.counts.unchanged).join(', ')}; CPU ms per entry in the directory`,
    }),
    ratioRow({
      figure: `incremental run, ${CHANGED} of ${n} entries changed, vs paged read`,
      engine,
      product: incr.s,
      baseline: readS,
      unit: 's',
    }),
    ratioRow({
      figure: `server peak RSS through the full sync of ${n} entries, vs the idle server`,
      engine,
      product: Math.max(...syncs.map((r) => r.peakAfterFull)),
      baseline: Math.max(...syncs.map((r) => r.idle)),
      unit: 'MB',
      target: { op: '<=', value: 300, of: 'product' },
      note: `VmHWM after the full run per round ${fmt(
        syncs.map((r) => r.peakAfterFull),
        0,
      )} MB, after the second and incremental runs ${fmt(
        syncs.map((r) => r.peakAtEnd),
        0,
      )} MB; npm start's heap limit applies`,
    }),
  ];
}

export async function run(log: (line: string) => void): Promise<RatioRow[]> {
  await ensureServerBuilt();
  const rows: RatioRow[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-sync-'));
  const csvFile = path.join(tmp, 'people.csv');
  fs.writeFileSync(csvFile, peopleCsv(N));
  try {
    for (const engine of ENGINES) {
      // A fresh directory per engine: the previous engine's incremental runs changed entries.
      log(`${engine}: loading ${N.toLocaleString('en-GB')} entries into a fresh slapd…`);
      const dir = await startLoadedSlapd(N);
      log(`${engine}: loaded in ${(dir.loadMs / 1000).toFixed(1)} s`);
      await touchDirectory(dir);
      try {
        rows.push(...(await measureEngine(engine, dir, csvFile, log)));
      } finally {
        await dir.server.stop();
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
