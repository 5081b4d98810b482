/**
 * `gatehouse users import FILE [--dry-run] [--valid-only] [--json]` and
 * `gatehouse users export [FILE]`: the CSV gate from the command line, on the same engine as
 * the API and the console. Import shows a progress bar on a terminal (plain progress lines
 * otherwise), prints the summary and every error (row, column, message), and exits non-zero
 * when nothing was applied because of errors (or, for a dry run, when any row has an error).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { EXIT } from '../exit-codes.ts';
import type { Command } from 'commander';
import type { SingleBar } from 'cli-progress';
import type { App } from '../../app.ts';
import type { Actor } from '../../core/context.ts';
import type { ImportProgress, ReportOutcome } from '../../gates/csv/imports.ts';

export interface ImportCliOptions {
  dryRun?: boolean;
  validOnly?: boolean;
  json?: boolean;
  progress?: boolean;
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stderr is a terminal (a progress bar) or not (progress lines). */
  tty: boolean;
}

const stdio: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  tty: process.stderr.isTTY === true,
};

function cliActor(): Actor {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return { personId: null, label: `cli:${user}`, gate: 'csv' };
}

const PHASES: Record<ImportProgress['phase'], string> = {
  reading: 'Reading',
  checking: 'Checking',
  hashing: 'Hashing passwords',
  writing: 'Writing',
  done: 'Done',
};

/**
 * Runs an import; returns the exit code, in the classes of every other command (EXIT):
 * 0 done, 4 refused (rows with errors: nothing applied, or a dry run that found errors),
 * 2 the file could not be read or is not a CSV file we can take (nothing done).
 */
export async function runUsersImport(
  app: App,
  file: string,
  opts: ImportCliOptions,
  io: CliIo = stdio,
): Promise<number> {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    io.err(`Cannot read ${file}: no such file.\n`);
    return EXIT.usage;
  }
  const mode = opts.dryRun ? 'dry_run' : 'apply';
  // The CSV gate and the progress bar are loaded when an import runs, not at every start-up
  // of the command (src/cli/context.ts).
  const { CsvImports } = await import('../../gates/csv/imports.ts');
  const imports = new CsvImports(app.store, app.core);
  const actor = cliActor();
  const runOpts = {
    mode,
    validOnly: opts.validOnly ?? false,
    fileName: path.basename(file),
  } as const;
  const id = await imports.begin(actor, runOpts);
  const showProgress = opts.progress !== false && !opts.json;
  const progressBars = showProgress && io.tty ? (await import('cli-progress')).default : null;
  let bar: SingleBar | null = null;
  let lastPhase = '';
  const onProgress = (p: ImportProgress) => {
    if (!showProgress) return;
    if (!io.tty) {
      if (p.phase !== lastPhase) io.err(`${PHASES[p.phase]}${p.total ? ` (${p.total})` : ''}…\n`);
      lastPhase = p.phase;
      return;
    }
    if (p.phase !== lastPhase) {
      bar?.stop();
      bar = new progressBars!.SingleBar(
        { format: `${PHASES[p.phase].padEnd(18)} [{bar}] {percentage}% {value}/{total}` },
        progressBars!.Presets.shades_classic,
      );
      bar.start(Math.max(p.total, 1), p.done);
      lastPhase = p.phase;
    } else bar?.update(p.done);
  };
  onProgress({ phase: 'reading', done: 0, total: size });
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  let read = 0;
  const counted = (async function* () {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      onProgress({ phase: 'reading', done: read, total: size });
      yield chunk;
    }
  })();
  // The summary names only the rows with errors: those are kept from the run, rather than
  // every row's outcome read back and parsed (100,000 of them for a large file).
  let errorOutcomes: ReportOutcome[] = [];
  const report = await imports.run(id, actor, counted, {
    ...runOpts,
    onProgress,
    ...(opts.json ? {} : { onErrorOutcomes: (o: ReportOutcome[]) => (errorOutcomes = o) }),
  });
  (bar as SingleBar | null)?.stop();

  if (opts.json) {
    const outcomes = await imports.outcomes(id, { offset: 0, limit: Number.MAX_SAFE_INTEGER });
    io.out(JSON.stringify({ ...report, outcomes: outcomes.data }, null, 2) + '\n');
  } else {
    io.out(summaryText(report.applied, mode, report.summary, errorOutcomes, report.error));
  }
  if (report.status !== 'completed') return EXIT.usage;
  if ((report.summary?.error ?? 0) > 0 && (mode === 'dry_run' || !report.applied))
    return EXIT.refused;
  return EXIT.ok;
}

function summaryText(
  applied: boolean,
  mode: string,
  s: { rows: number; create: number; update: number; unchanged: number; error: number } | null,
  outcomes: ReportOutcome[],
  error: { message: string; fields?: { field: string; message: string }[] } | null,
): string {
  const lines: string[] = [];
  if (error) {
    lines.push(`Import failed: ${error.message}`);
    for (const f of error.fields ?? []) lines.push(`  ${f.field}: ${f.message}`);
    return lines.join('\n') + '\n';
  }
  if (!s) return '\n';
  lines.push(
    `${s.rows} rows: ${s.create} to create, ${s.update} to update, ${s.unchanged} unchanged, ${s.error} with errors.`,
  );
  for (const o of outcomes)
    for (const e of o.errors ?? [])
      lines.push(`  row ${o.row} (${o.username || 'no username'}), ${e.column}: ${e.message}`);
  if (mode === 'dry_run') lines.push('Dry run: nothing was changed.');
  else if (applied)
    lines.push(
      s.error > 0
        ? `Applied the ${s.create + s.update} valid changes; rows with errors were skipped.`
        : `Applied: ${s.create} created, ${s.update} updated.`,
    );
  else
    lines.push(
      'Nothing was applied: fix the rows above and run again, or use --valid-only to apply the valid rows.',
    );
  return lines.join('\n') + '\n';
}

/** Writes the export to FILE, or to stdout. */
export async function runUsersExport(app: App, file: string | undefined): Promise<number> {
  const defs = await app.core.profileFields.list();
  const { exportPeopleCsv } = await import('../../gates/csv/export.ts');
  const source = Readable.from(exportPeopleCsv(app.store, defs));
  if (file === undefined || file === '-') {
    await pipeline(source, process.stdout, { end: false });
    return 0;
  }
  // Written beside the target and renamed, so a failed export never leaves half a file.
  const tmp = `${file}.${process.pid}.part`;
  try {
    await pipeline(source, fs.createWriteStream(tmp));
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return 0;
}

/** Adds `import` and `export` to the CLI's `users` command. */
export function addUsersCsvCommands(users: Command, open: () => Promise<App>): void {
  const withApp = async (fn: (app: App) => Promise<number>) => {
    const app = await open();
    try {
      process.exitCode = await fn(app);
    } finally {
      await app.close();
    }
  };
  users
    .command('import')
    .description(
      'Add or update people from a CSV file (the export is its template; see docs/csv.md)',
    )
    .argument('<file>', 'CSV file: UTF-8 (with or without BOM) or UTF-16; , ; or tab')
    .option('--dry-run', 'report what would happen, per row, and change nothing')
    .option('--valid-only', 'apply the valid rows even if others have errors')
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'no progress bar')
    .action((file: string, opts: ImportCliOptions) =>
      withApp((app) => runUsersImport(app, file, opts)),
    );
  users
    .command('export')
    .description('Export every person, blocked ones included, as CSV (stdout without FILE)')
    .argument('[file]', 'where to write the CSV')
    .action((file: string | undefined) => withApp((app) => runUsersExport(app, file)));
}
