/**
 * The `gatehouse` command: one program, one file per command group in commands/. It reads the
 * same environment settings as the server (src/config.ts) and writes through the core as the
 * actor "cli:<os user>" on the gate "cli", so everything it does is audited.
 *
 * Run by bin/gatehouse.js (`npx gatehouse …`), or `npm run cli -- …` in a checkout.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CliContext } from './context.ts';
import { EXIT, describeError } from './exit-codes.ts';
import { Output, type Io } from './output.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerAdminCommands } from './commands/admin.ts';
import { registerApiKeyCommands } from './commands/apikey.ts';
import { registerUsersCommands } from './commands/users.ts';
import { registerConfigCommands } from './commands/config.ts';
import { addUsersCsvCommands } from './commands/users-csv.ts';
import { registerDirectoryCommands } from './commands/directories.ts';
import { PACKAGE_JSON } from '../paths.ts';

function version(): string {
  const pkg = JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('gatehouse')
    .description(
      'Gatehouse: people directory and account provisioning. Settings come from the environment (see "gatehouse config --docs").',
    )
    .version(version(), '-V, --version')
    .option('--debug', 'print the stack trace of unexpected errors')
    .showHelpAfterError('(add --help for the options)')
    // Usage errors throw (main maps them to exit code 2) instead of exiting inside commander.
    // Set before the commands are added: subcommands inherit both settings.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.out(s),
      writeErr: (s) => ctx.io.err(s),
    })
    .hook('preAction', (cmd) => {
      ctx.debug = cmd.opts<{ debug?: boolean }>().debug === true;
    });

  registerServeCommand(program, ctx);
  registerMigrateCommand(program, ctx);
  registerAdminCommands(program, ctx);
  registerApiKeyCommands(program, ctx);
  const users = registerUsersCommands(program, ctx);
  registerConfigCommands(program, ctx);
  registerDirectoryCommands(program, ctx);

  // More subcommands of a group: one line each, here.
  addUsersCsvCommands(users, () => ctx.open());

  return program;
}

/** Runs the command line; resolves to the exit code (docs/cli.md, src/cli/exit-codes.ts). */
export async function main(argv: string[], io?: Io, env?: NodeJS.ProcessEnv): Promise<number> {
  const ctx = new CliContext(io, env);
  try {
    await buildProgram(ctx).parseAsync(argv);
  } catch (err) {
    // --help and --version end with code 0; every other commander error is a usage error.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // Errors that escape a command's own handling (the CSV commands let theirs through).
    const described = describeError(err);
    new Output(ctx.io, argv.includes('--json')).error(described);
    return described.exitCode;
  }
  if (ctx.exitCode !== undefined) return ctx.exitCode;
  // Commands that set process.exitCode themselves (users import/export).
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}

/** The process entry (bin/gatehouse.js, `npm run cli`): argv, stdio, and the exit code. */
export async function runProcess(): Promise<void> {
  // `gatehouse users list | head` closes the pipe early: that is the reader's choice, not an
  // error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    throw err;
  });
  process.exitCode = await main(process.argv);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runProcess();
}
