/** `gatehouse migrate`: brings the database schema up to date and says what it applied. */
import type { Command } from 'commander';
import type { CliContext, CommonOptions } from '../context.ts';

export function registerMigrateCommand(program: Command, ctx: CliContext): Command {
  return program
    .command('migrate')
    .description('Apply the database migrations that have not run yet (the server does it too)')
    .option('--json', 'print {"database","applied":[names]}')
    .action((opts: CommonOptions) =>
      ctx.withApp(
        opts,
        async (app, out) => {
          // Loaded when the command runs (start-up of every other command: see context.ts).
          const { migrate } = await import('../../store/database.ts');
          const applied = await migrate(app.store);
          out.result(
            () =>
              `Database: ${app.store.location}\n` +
              (applied.length === 0
                ? 'The schema is up to date; no migration was needed.\n'
                : `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:\n` +
                  applied.map((m) => `  ${m}\n`).join('')),
            { database: app.store.location, applied },
          );
        },
        { migrate: false },
      ),
    );
}
