/**
 * `gatehouse directories list | show NAME | test NAME | sync NAME [--dry-run]
 * [--confirm-mass-block] [--json]`: user directories from the command line, through the same
 * LDAP gate and core as the API. A sync shows its progress on a terminal and exits 4 when the
 * run stopped, failed or had entries in error (EXIT.refused), as other refused commands do.
 * The progress bar is loaded only for a sync shown on a terminal; ldapts at the first
 * connection to a directory (gates/ldap/ldapts.ts).
 */
import type { Command } from 'commander';
import type { App } from '../../app.ts';
import { fail } from '../../core/errors.ts';
import type { DirectoryRecord } from '../../core/directories.ts';
import type { RunReport } from '../../core/sync/run.ts';
import { startSync, testDirectory } from '../../gates/ldap/sync-gate.ts';
import { type CliContext, type CommonOptions, cliActor } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../output.ts';

interface SyncOptions extends CommonOptions {
  dryRun?: boolean;
  incremental?: boolean;
  confirmMassBlock?: boolean;
}

async function byName(app: App, name: string): Promise<DirectoryRecord> {
  const all = await app.core.directories.records();
  const d = all.find((x) => x.name.toLowerCase() === name.toLowerCase() || String(x.id) === name);
  if (!d)
    fail('not_found', `No directory is named "${name}". "gatehouse directories list" shows them.`);
  return d;
}

function countsLine(r: RunReport): string {
  const c = r.counts;
  const g = r.groups;
  return (
    `created ${c.created}, updated ${c.updated}, adopted ${c.adopted}, renamed ${c.renamed}, blocked ${c.blocked}, reactivated ${c.reactivated}, unchanged ${c.unchanged}, errors ${c.errors}` +
    (g
      ? `; groups: created ${g.created}, renamed ${g.renamed}, members added ${g.members_added}, members removed ${g.members_removed}, nesting changed ${g.nesting_changed}, removed ${g.removed}, errors ${g.errors}`
      : '')
  );
}

export function registerDirectoryCommands(program: Command, ctx: CliContext): Command {
  const dirs = program
    .command('directories')
    .description('User directories (LDAP / Active Directory, SCIM)');

  dirs
    .command('list')
    .description('List user directories with their accounts and last run')
    .option('--json', 'print JSON')
    .action((opts: CommonOptions) =>
      ctx.withApp(opts, async (app, out) => {
        const rows = await Promise.all(
          (await app.core.directories.records()).map(async (d) => ({
            d,
            s: await app.core.directories.status(d.id),
          })),
        );
        out.result(
          () =>
            table(
              [
                { header: 'ID', value: (r) => String(r.d.id), right: true },
                { header: 'NAME', value: (r) => r.d.name },
                { header: 'TYPE', value: (r) => r.d.type },
                { header: 'ACCOUNTS', value: (r) => String(r.s.accounts), right: true },
                {
                  header: 'LAST RUN',
                  value: (r) =>
                    r.s.last_run ? `${r.s.last_run.status} ${r.s.last_run.started_at}` : '—',
                },
              ],
              rows,
            ),
          rows.map((r) => ({ ...r.d, accounts: r.s.accounts, last_run: r.s.last_run ?? null })),
        );
      }),
    );

  dirs
    .command('show')
    .argument('<name>', 'the directory name (or id)')
    .description('Show a directory’s settings (never its bind password)')
    .option('--json', 'print JSON')
    .action((name: string, opts: CommonOptions) =>
      ctx.withApp(opts, async (app, out) => {
        const d = await byName(app, name);
        out.result(() => `${JSON.stringify(d, null, 2)}\n`, d);
      }),
    );

  dirs
    .command('test')
    .argument('<name>', 'the directory name (or id)')
    .description('Bind, read one page, and show the first entries as Gatehouse would map them')
    .option('--json', 'print JSON')
    .action((name: string, opts: CommonOptions) =>
      ctx.withApp(opts, async (app, out) => {
        const d = await byName(app, name);
        const r = await testDirectory(app, d.id);
        out.result(
          () =>
            r.ok
              ? `Connected. ${r.entries_seen} entries on the first page.\n` +
                (r.missing_attributes.length > 0
                  ? `No sampled entry has: ${r.missing_attributes.join(', ')}\n`
                  : '') +
                r.sample
                  .map((s) => `  ${s.username}  ${s.dn}  ${JSON.stringify(s.fields)}\n`)
                  .join('')
              : `Failed: ${r.error?.message ?? ''}\n`,
          r,
        );
        return r.ok ? EXIT.ok : EXIT.unavailable;
      }),
    );

  dirs
    .command('sync')
    .argument('<name>', 'the directory name (or id)')
    .description('Run a sync now; --dry-run shows what it would do and writes nothing')
    .option('--dry-run', 'write nothing; report what would happen')
    .option('--incremental', 'read only entries changed since the last run (the first run is full)')
    .option(
      '--confirm-mass-block',
      'block even when more than the directory’s max_block_percent would be blocked',
    )
    .option('--json', 'print the run’s report as JSON')
    .action((name: string, opts: SyncOptions) =>
      ctx.withApp(opts, async (app, out) => {
        const d = await byName(app, name);
        // cli-progress (and node:readline with it) only for a sync shown on a terminal.
        const cliProgress =
          process.stderr.isTTY && !opts.json ? (await import('cli-progress')).default : undefined;
        const bar = cliProgress
          ? new cliProgress.SingleBar(
              { format: '{phase} [{bar}] {value}/{total}', stream: process.stderr },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
        let shown = '';
        const { done } = await startSync(
          app,
          d.id,
          cliActor(),
          {
            dryRun: opts.dryRun === true,
            confirmMassBlock: opts.confirmMassBlock === true,
            mode: opts.incremental ? 'incremental' : 'full',
            onProgress: (phase, n, total) => {
              if (!bar) return;
              if (shown !== phase) {
                if (shown !== '') bar.stop();
                bar.start(Math.max(total, n), n, { phase });
                shown = phase;
              } else bar.update(n, { phase });
            },
          },
          'manual',
        );
        const report = await done;
        bar?.stop();
        out.result(
          () =>
            `${report.dry_run ? 'Dry run' : 'Sync'} of "${d.name}": ${report.status}. ${countsLine(report)}.\n` +
            (report.stop_reason ? `${report.stop_reason}\n` : '') +
            (report.group_error ? `${report.group_error}\n` : '') +
            (report.would_block.length > 0
              ? `Would have blocked: ${report.would_block
                  .slice(0, 50)
                  .map((w) => w.username)
                  .join(', ')}${report.would_block.length > 50 ? ', …' : ''}\n`
              : ''),
          report,
        );
        const groupsOk = report.group_error === null && (report.groups?.errors ?? 0) === 0;
        return report.status === 'completed' && report.counts.errors === 0 && groupsOk
          ? EXIT.ok
          : EXIT.refused;
      }),
    );
  return dirs;
}
