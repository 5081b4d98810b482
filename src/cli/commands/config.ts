/**
 * `gatehouse config --docs` prints the settings table (the README's); `gatehouse config check`
 * validates the environment as the server would, shows the values in effect (secrets hidden)
 * and tries the database.
 */
import type { Command } from 'commander';
import { SETTINGS, settingsMarkdown } from '../../config.ts';
import type { CliContext, CommonOptions } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { table } from '../output.ts';

interface SettingLine {
  variable: string;
  value: string | null;
  source: 'environment' | 'default' | 'unset';
}

export function registerConfigCommands(program: Command, ctx: CliContext): Command {
  const config = program
    .command('config')
    .description('The settings (environment variables) Gatehouse reads')
    .option('--docs', 'print every setting as a Markdown table')
    .action((opts: { docs?: boolean }, cmd: Command) => {
      if (!opts.docs) {
        cmd.help({ error: true });
        return;
      }
      ctx.io.out(settingsMarkdown() + '\n');
      ctx.exitCode = EXIT.ok;
    });

  config
    .command('check')
    .description('Validate the environment and try the database; exit 2 names a wrong setting')
    .option('--no-database', 'do not try to reach the database')
    .option('--json', 'print {"ok","settings":[…],"database"}')
    .action((opts: CommonOptions & { database: boolean }) =>
      ctx.run(opts, async (out) => {
        const values = ctx.config(); // throws ConfigError (exit 2) naming the setting
        const settings: SettingLine[] = Object.entries(SETTINGS).map(([key, s]) => {
          const raw = ctx.env[s.env];
          const given = raw !== undefined && raw !== '';
          const value = values[key as keyof typeof values];
          return {
            variable: s.env,
            value:
              value === undefined ? null : 'secret' in s && s.secret ? '(hidden)' : String(value),
            source: given ? 'environment' : 'default' in s ? 'default' : 'unset',
          };
        });
        let database: { location: string; reachable: boolean } | null = null;
        if (opts.database) {
          // Loaded when the command runs (start-up of every other command: see context.ts).
          const { openStore, ping } = await import('../../store/database.ts');
          const store = await openStore({
            databaseUrl: values.databaseUrl,
            dataDir: values.dataDir,
          });
          try {
            database = { location: store.location, reachable: await ping(store) };
          } finally {
            await store.close();
          }
        }
        const ok = database === null || database.reachable;
        out.result(
          () =>
            table<SettingLine>(
              [
                { header: 'VARIABLE', value: (l) => l.variable },
                { header: 'VALUE', value: (l) => l.value ?? '-' },
                { header: 'SOURCE', value: (l) => l.source },
              ],
              settings,
            ) +
            '\nThe configuration is valid.\n' +
            (database === null
              ? ''
              : database.reachable
                ? `Database: ${database.location} (reachable).\n`
                : `Database: ${database.location} is NOT reachable.\n`),
          { ok, settings, database },
        );
        return ok ? EXIT.ok : EXIT.unavailable;
      }),
    );
  return config;
}
