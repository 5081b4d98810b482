/**
 * CSV import and export through `gatehouse users import` / `users export` (the built CLI, one
 * process per command, timed from outside), per engine, against the raw insert of the rows
 * the apply wrote (people, group and role memberships, audit events) into another copy of
 * the same migrated database (bench/lib/raw-insert.ts), in alternating rounds:
 * - apply of a 100,000-row file (no plaintext passwords) / raw insert: target <= 1.5;
 * - dry run of the same file / raw insert: target <= 0.5;
 * - export of the 100,000 people / raw insert: target <= 0.3;
 * - information: a dry run of the export (every row unchanged), 2,000 rows with plaintext
 *   passwords (argon2id), and on SQLite a file at the row limit under npm start's heap limit
 *   (BENCH_CSV_SKIP_LIMIT=1 skips it). BENCH_QUICK=1: 20,000 rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../src/app.ts';
import type { Actor } from '../src/core/context.ts';
import { DEFAULT_MAX_ROWS } from '../src/gates/csv/read.ts';
import { ensureServerBuilt } from '../scripts/build.ts';
import { BUILT_CLI, gatehouse, runNode, type CliRun } from './lib/cli.ts';
import { ENGINES, type Engine } from './lib/people.ts';
import {
  capturedWrites,
  describeWritten,
  rawInsert,
  type RawOptions,
  templateDatabase,
  type TemplateDatabase,
  type Written,
} from './lib/raw-insert.ts';
import { serverNodeFlags } from './lib/server.ts';
import { ratioRow, type RatioRow } from './lib/types.ts';

const actor: Actor = { personId: null, label: 'bench', gate: 'csv' };

export function makeCsv(rows: number, withPasswords: boolean): string {
  return makeCsvBytes(rows, withPasswords).toString('utf8');
}

/**
 * The file as bytes, built 1,000 lines at a time: the process then holds the file as the
 * server holds a request body (one buffer), not also as a string and 100,000 line strings,
 * which would add about 90 MB to the peak RSS measured for the import.
 */
export function makeCsvBytes(rows: number, withPasswords: boolean): Buffer {
  const head = [
    'username',
    withPasswords ? 'password' : 'password_hash',
    'firstname',
    'surname',
    'email',
    'user_code',
    'job_title',
    'department',
    'office',
    'phone',
    'account state',
    'change password next time',
    'manager',
    'groups',
    'roles',
  ];
  const parts: Buffer[] = [];
  let lines = [head.join(',')];
  // A real bcrypt hash ("password"), imported as it is.
  const hash = '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p830bcVYV9nQW8E1VgS5hW';
  for (let i = 1; i <= rows; i++) {
    lines.push(
      [
        `user${i}`,
        withPasswords ? `Secret-pass-${i}-xyz` : i % 2 === 0 ? hash : '',
        `First${i}`,
        `Surname${i}`,
        `user${i}@example.org`,
        `E${i}`,
        'Engineer',
        `Dept ${i % 50}`,
        'London',
        `+44 20 7946 ${String(i % 10000).padStart(4, '0')}`,
        i % 97 === 0 ? 'No' : 'Yes',
        i % 10 === 0 ? '1' : '',
        i > 100 ? `user${1 + (i % 100)}` : '',
        '"Staff,Engineering"',
        'Member',
      ].join(','),
    );
    if (lines.length === 1000) {
      parts.push(Buffer.from(lines.join('\r\n') + '\r\n'));
      lines = [];
    }
  }
  if (lines.length > 0) parts.push(Buffer.from(lines.join('\r\n') + '\r\n'));
  return Buffer.concat(parts);
}

const ROWS = process.env.BENCH_QUICK ? 20_000 : 100_000;
const PASSWORD_ROWS = 2_000;
const ROUNDS = 2;

export const title = 'CSV import and export';
export const timeoutMs = 15 * 60_000;

/** The groups and role the file names. */
async function seed(app: App): Promise<void> {
  for (const name of ['Staff', 'Engineering']) await app.core.groups.create(actor, { name });
  await app.core.roles.create(actor, { name: 'Member' });
}

const importArgs = (file: string, dryRun: boolean) => [
  'users',
  'import',
  file,
  '--no-progress',
  ...(dryRun ? ['--dry-run'] : []),
];

interface Round {
  dry: CliRun;
  apply: CliRun;
  exp: CliRun;
  raw: number;
  rawCpuMs: number;
  /** SQLite: the raw insert with statement journals in memory (information). */
  rawMem?: { s: number; cpu: number };
}

async function measureEngine(
  engine: Engine,
  template: TemplateDatabase,
  dir: string,
  log: (s: string) => void,
): Promise<RatioRow[]> {
  const n = ROWS.toLocaleString('en-GB');
  const file = path.join(dir, 'people.csv');
  fs.writeFileSync(file, makeCsvBytes(ROWS, false));
  const exported = path.join(dir, 'export.csv');
  let written: Written | undefined;
  let dryOfExport: CliRun | undefined;
  const rounds: Round[] = [];
  const raw = async (options?: RawOptions) => {
    const copy = await template.copy();
    try {
      const u0 = process.cpuUsage();
      const s = await rawInsert(copy, written!, options);
      const u = process.cpuUsage(u0);
      return { s, cpu: (u.user + u.system) / 1000 };
    } finally {
      await copy.drop();
    }
  };
  for (let round = 0; round < ROUNDS; round++) {
    // Round 1 must run the product first (its rows are the baseline's); round 2 starts raw.
    const early =
      round > 0 ? (log(`${engine}: round ${round + 1}: raw insert…`), await raw()) : undefined;
    log(`${engine}: round ${round + 1}: dry run, apply, export of ${n} rows…`);
    let copy = await template.copy();
    const dry = gatehouse(importArgs(file, true), copy.env);
    await copy.drop();
    copy = await template.copy();
    const apply = gatehouse(importArgs(file, false), copy.env);
    const exp = gatehouse(['users', 'export', exported], copy.env);
    if (!written) {
      const empty = await template.copy();
      written = await capturedWrites(empty, copy);
      await empty.drop();
      log(`${engine}: the raw insert writes ${describeWritten(written)}`);
      dryOfExport = gatehouse(importArgs(exported, true), copy.env);
    }
    await copy.drop();
    const late = early ?? (log(`${engine}: round ${round + 1}: raw insert…`), await raw());
    const rawMem =
      engine === 'sqlite'
        ? (log(`${engine}: round ${round + 1}: raw insert, temp_store = MEMORY…`),
          await raw({ tempStoreMemory: true }))
        : undefined;
    rounds.push({ dry, apply, exp, raw: late.s, rawCpuMs: late.cpu, rawMem });
  }

  log(`${engine}: apply of ${PASSWORD_ROWS} rows with plaintext passwords…`);
  const pwFile = path.join(dir, 'passwords.csv');
  fs.writeFileSync(pwFile, makeCsvBytes(PASSWORD_ROWS, true));
  let copy = await template.copy();
  const pw = gatehouse(importArgs(pwFile, false), copy.env);
  await copy.drop();

  const atLimit =
    process.env.BENCH_CSV_SKIP_LIMIT || engine !== 'sqlite' || process.env.BENCH_QUICK
      ? undefined
      : await (async () => {
          log(
            `${engine}: apply of ${DEFAULT_MAX_ROWS.toLocaleString('en-GB')} rows (the file limit)…`,
          );
          const big = path.join(dir, 'limit.csv');
          fs.writeFileSync(big, makeCsvBytes(DEFAULT_MAX_ROWS, false));
          copy = await template.copy();
          try {
            // Imports run inside the server too: its heap limit must be enough.
            return runNode([...serverNodeFlags(), BUILT_CLI], importArgs(big, false), copy.env);
          } finally {
            await copy.drop();
            fs.rmSync(big, { force: true });
          }
        })();

  const avg = (f: (r: Round) => number) => rounds.reduce((a, r) => a + f(r), 0) / rounds.length;
  const rawS = avg((r) => r.raw);
  const rawCpu = avg((r) => r.rawCpuMs) / ROWS;
  const runs = (f: (r: Round) => number) => rounds.map((r) => f(r).toFixed(2)).join(', ');
  const figure = (what: string, f: (r: Round) => CliRun, target: number): RatioRow =>
    ratioRow({
      figure: `${what} vs raw insert`,
      engine,
      product: avg((r) => f(r).seconds),
      baseline: rawS,
      unit: 's',
      target: { op: '<=', value: target },
      cpuPerOp: { product: avg((r) => f(r).cpuMs) / ROWS, baseline: rawCpu },
      note: `runs ${runs((r) => f(r).seconds)} s against raw ${runs((r) => r.raw)} s; peak RSS of the command ${Math.max(...rounds.map((r) => f(r).peakRssMb)).toFixed(0)} MB; CPU per row of the command / of the raw insert${engine === 'postgres' ? ' (PostgreSQL server CPU not counted)' : ''}`,
    });
  const mem = rounds.flatMap((r) => (r.rawMem ? [r.rawMem] : []));
  const rows = [
    figure(`gatehouse users import, apply, ${n} rows`, (r) => r.apply, 1.5),
    ...(mem.length === rounds.length
      ? [
          ratioRow({
            figure: `apply, ${n} rows, vs the raw insert with temp_store = MEMORY (information)`,
            engine,
            product: avg((r) => r.apply.seconds),
            baseline: mem.reduce((a, m) => a + m.s, 0) / mem.length,
            unit: 's',
            cpuPerOp: {
              product: avg((r) => r.apply.cpuMs) / ROWS,
              baseline: mem.reduce((a, m) => a + m.cpu, 0) / mem.length / ROWS,
            },
            note: `the raw insert given the statement journals in memory that the product's batch sets (bench/lib/raw-insert.ts RawOptions); runs ${mem.map((m) => m.s.toFixed(2)).join(', ')} s`,
          }),
        ]
      : []),
    figure(`gatehouse users import --dry-run, ${n} rows`, (r) => r.dry, 0.5),
    figure(`gatehouse users export, ${n} people`, (r) => r.exp, 0.3),
    ratioRow({
      figure: 'dry run of the export (every row unchanged) vs raw insert',
      engine,
      product: dryOfExport!.seconds,
      baseline: rawS,
      unit: 's',
    }),
    ratioRow({
      figure: `plaintext passwords, ${PASSWORD_ROWS.toLocaleString('en-GB')} rows`,
      engine,
      product: PASSWORD_ROWS / pw.seconds,
      baseline: null,
      unit: 'rows/s',
      note: `CPU busy: ${(pw.cpuMs / 1000 / pw.seconds).toFixed(2)} cores of ${os.availableParallelism()} (argon2id on libuv's pool)`,
    }),
  ];
  if (atLimit)
    rows.push(
      ratioRow({
        figure: `apply, ${DEFAULT_MAX_ROWS.toLocaleString('en-GB')} rows (the file limit), npm start's heap limit`,
        engine,
        product: atLimit.seconds,
        baseline: null,
        unit: 's',
        note: `completes under ${serverNodeFlags().join(' ')}; peak RSS ${atLimit.peakRssMb.toFixed(0)} MB`,
      }),
    );
  return rows;
}

export async function run(log: (line: string) => void): Promise<RatioRow[]> {
  await ensureServerBuilt();
  const rows: RatioRow[] = [];
  for (const engine of ENGINES) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-csv-'));
    const template = await templateDatabase(engine, seed);
    try {
      rows.push(...(await measureEngine(engine, template, dir, log)));
    } finally {
      await template.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
