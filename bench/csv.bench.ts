/**
 * CSV import/export figures: a 100,000-row file without plaintext passwords (dry run,
 * apply, export, and a dry run of the export: every row unchanged), the peak RSS of a
 * process doing all of it, and rows per second when every row carries a plaintext password.
 *
 * Run alone: `npx tsx bench/csv.bench.ts [rows]` (default 100000). Each measurement runs in
 * a child process on a fresh SQLite database (or PostgreSQL with DATABASE_URL), so the peak
 * RSS is that of the work alone. Children run with npm start's node flags (the server's heap
 * limit), as imports run in the server; the last one applies a file at the row limit
 * (BENCH_CSV_SKIP_LIMIT=1 skips it).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app.ts';
import type { Actor } from '../src/core/context.ts';
import { CsvImports } from '../src/gates/csv/imports.ts';
import { exportPeopleCsv } from '../src/gates/csv/export.ts';
import { DEFAULT_MAX_ROWS } from '../src/gates/csv/read.ts';
import { serverNodeFlags } from './lib/server.ts';
import type { Row } from './lib/types.ts';

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

type Step = 'dry_run' | 'apply' | 'export' | 'dry_run_export' | 'passwords';

/** Runs in the child: does the step(s) and prints JSON figures. */
async function child(rows: number, steps: Step[]): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-csv-'));
  const app = await createApp(
    loadConfig({
      LOG_LEVEL: 'silent',
      GATEHOUSE_DATA_DIR: dir,
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    }),
  );
  const out: Record<string, number> = {};
  try {
    for (const name of ['Staff', 'Engineering']) await app.core.groups.create(actor, { name });
    await app.core.roles.create(actor, { name: 'Member' });
    const imports = new CsvImports(app.store, app.core);
    const run = async (bytes: Buffer, mode: 'dry_run' | 'apply') => {
      const id = await imports.begin(actor, { mode });
      const t = performance.now();
      const r = await imports.run(id, actor, [bytes], { mode });
      const ms = performance.now() - t;
      if (r.status !== 'completed' || (r.summary?.error ?? 0) > 0)
        throw new Error(`import ${mode}: ${JSON.stringify(r.error ?? r.summary)}`);
      return { ms, r };
    };
    const csv = makeCsvBytes(rows, steps.includes('passwords'));
    if (steps.includes('dry_run')) out.dry_run_s = (await run(csv, 'dry_run')).ms / 1000;
    if (steps.includes('apply') || steps.includes('passwords')) {
      const cpu = process.cpuUsage();
      const { ms } = await run(csv, 'apply');
      const used = process.cpuUsage(cpu);
      out.apply_s = ms / 1000;
      out.rows_per_s = rows / (ms / 1000);
      // CPU seconds per wall second: 2.0 means both cores were busy throughout.
      out.cores_busy = (used.user + used.system) / 1000 / ms;
    }
    if (steps.includes('export') || steps.includes('dry_run_export')) {
      const defs = await app.core.profileFields.list();
      const t = performance.now();
      const parts: Buffer[] = [];
      for await (const chunk of exportPeopleCsv(app.store, defs)) parts.push(Buffer.from(chunk));
      out.export_s = (performance.now() - t) / 1000;
      const exported = Buffer.concat(parts);
      parts.length = 0;
      out.export_mb = exported.length / 1e6;
      if (steps.includes('dry_run_export')) {
        const { ms, r } = await run(exported, 'dry_run');
        if (r.summary?.unchanged !== r.summary?.rows)
          throw new Error(`export → import changed rows: ${JSON.stringify(r.summary)}`);
        out.dry_run_unchanged_s = ms / 1000;
      }
    }
    out.peak_rss_mb = process.resourceUsage().maxRSS / 1024;
  } finally {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

const CHILD_FLAG = '--csv-bench-child';

function measure(rows: number, steps: Step[]): Record<string, number> {
  const r = spawnSync(
    process.execPath,
    [
      // Imports run inside the server: the same heap limit as npm start gives it.
      ...serverNodeFlags(),
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      CHILD_FLAG,
      String(rows),
      steps.join(','),
    ],
    { encoding: 'utf8', env: process.env, maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(`benchmark child failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

export const title = 'CSV import and export (100,000 rows)';
export const timeoutMs = 15 * 60_000;

export async function run(
  log: (line: string) => void,
  rows = 100_000,
  passwordRows = 2_000,
): Promise<Row[]> {
  const engine = process.env.DATABASE_URL ? 'postgres' : 'sqlite';
  const n = rows.toLocaleString('en');
  log(`${engine}: dry run of ${n} rows (fresh database: every row a create)…`);
  const dry = measure(rows, ['dry_run']);
  log(`${engine}: apply of ${n} rows…`);
  const apply = measure(rows, ['apply']);
  log(`${engine}: apply, export, dry run of the export…`);
  const all = measure(rows, ['apply', 'export', 'dry_run_export']);
  log(`${engine}: apply of ${passwordRows} rows with plaintext passwords…`);
  const pw = measure(passwordRows, ['passwords']);
  // The largest file the import accepts must complete under the server's heap limit.
  const limit = DEFAULT_MAX_ROWS.toLocaleString('en');
  const atLimit = process.env.BENCH_CSV_SKIP_LIMIT
    ? undefined
    : (log(`${engine}: apply of ${limit} rows (the file limit), under npm start's heap limit…`),
      measure(DEFAULT_MAX_ROWS, ['apply']));
  await Promise.resolve();
  return [
    {
      measure: `${engine}: dry run, ${n} rows`,
      value: dry.dry_run_s!,
      unit: 's',
      target: { op: '<=', value: 5 },
    },
    {
      measure: `${engine}: apply, ${n} rows (no plaintext passwords)`,
      value: apply.apply_s!,
      unit: 's',
      target: { op: '<=', value: 10 },
    },
    {
      measure: `${engine}: export, ${n} rows`,
      value: all.export_s!,
      unit: 's',
      target: { op: '<=', value: 3 },
    },
    {
      measure: `${engine}: dry run of the export (all unchanged)`,
      value: all.dry_run_unchanged_s!,
      unit: 's',
      target: { op: '<=', value: 5 },
    },
    {
      measure: `${engine}: peak RSS, dry run process`,
      value: dry.peak_rss_mb!,
      unit: 'MB',
      target: { op: '<=', value: 400 },
    },
    {
      measure: `${engine}: peak RSS, apply process`,
      value: apply.peak_rss_mb!,
      unit: 'MB',
      target: { op: '<=', value: 400 },
    },
    {
      measure: `${engine}: peak RSS, apply + export + re-import process`,
      value: all.peak_rss_mb!,
      unit: 'MB',
    },
    {
      measure: `${engine}: plaintext passwords, ${passwordRows.toLocaleString('en')} rows`,
      value: pw.rows_per_s!,
      unit: 'rows/s',
      note: `CPU busy during that apply: ${pw.cores_busy!.toFixed(2)} cores of ${os.availableParallelism()} (argon2id on libuv's thread pool, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}).`,
    },
    ...(atLimit
      ? [
          {
            measure: `${engine}: apply, ${limit} rows (the file limit)`,
            value: atLimit.apply_s!,
            unit: 's',
            note: `completes under the server's node flags (${serverNodeFlags().join(' ')}); peak RSS of that process ${atLimit.peak_rss_mb!.toFixed(0)} MB, which also holds the whole file and the tsx loader`,
          },
        ]
      : []),
  ];
}

if (process.argv[2] === CHILD_FLAG) {
  await child(Number(process.argv[3]), process.argv[4]!.split(',') as Step[]);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = Number(process.argv[2] ?? 100_000);
  console.table(await run((line) => console.log(line), rows));
}
