/**
 * `gatehouse users list|block|unblock|unfreeze`. `registerUsersCommands` returns the `users`
 * command so other files can add subcommands to it (main.ts adds CSV import and export).
 */
import { Option, type Command } from 'commander';
import type { Person } from '../../core/person.ts';
import { type CliContext, type CommonOptions, cliActor } from '../context.ts';
import { table, type Output } from '../output.ts';
import { resolvePerson } from '../resolve.ts';
import { intArg } from './args.ts';

interface ListOptions extends CommonOptions {
  q?: string;
  state?: 'active' | 'blocked' | 'frozen';
  limit: number;
  offset: number;
}

export function registerUsersCommands(program: Command, ctx: CliContext): Command {
  const users = program.command('users').description('People accounts');

  users
    .command('list')
    .description('List people, blocked and frozen ones included, by id')
    .option('--q <text>', 'only those whose username, name or email contains the text')
    .addOption(
      new Option('--state <state>', 'only accounts in this state').choices([
        'active',
        'blocked',
        'frozen',
      ]),
    )
    .option('--limit <n>', 'at most this many (default 100)', intArg(1, 10_000), 100)
    .option('--offset <n>', 'skip this many', intArg(0, Number.MAX_SAFE_INTEGER), 0)
    .option('--json', 'print {"total","offset","limit","data":[people]}')
    .action((opts: ListOptions) =>
      ctx.withApp(opts, async (app, out) => {
        const page = await app.core.people.list(
          { q: opts.q, state: opts.state },
          { offset: opts.offset, limit: opts.limit },
        );
        const directories = new Map(
          (await app.core.directories.list()).map((d) => [d.id, d.name] as const),
        );
        const directoryOf = (p: Person) =>
          p.directory_id === null
            ? 'local'
            : (directories.get(p.directory_id) ?? `#${p.directory_id}`);
        out.result(
          () => {
            if (page.data.length === 0)
              return page.total === 0
                ? 'No people match.\n'
                : `No people on this page (offset ${opts.offset}); ${page.total} match.\n`;
            const first = opts.offset + 1;
            return (
              table<Person>(
                [
                  { header: 'ID', value: (p) => String(p.id), right: true },
                  { header: 'USERNAME', value: (p) => p.username },
                  { header: 'NAME', value: (p) => `${p.firstname} ${p.surname}`.trim() },
                  { header: 'EMAIL', value: (p) => p.email },
                  { header: 'STATE', value: (p) => p.state },
                  { header: 'ORIGIN', value: (p) => p.origin },
                  { header: 'DIRECTORY', value: directoryOf },
                ],
                page.data,
              ) + `${first}–${opts.offset + page.data.length} of ${page.total}.\n`
            );
          },
          {
            total: page.total,
            offset: opts.offset,
            limit: opts.limit,
            data: page.data.map((p) => ({
              ...p,
              directory: p.directory_id === null ? null : (directories.get(p.directory_id) ?? null),
            })),
          },
        );
      }),
    );

  users
    .command('block')
    .description('Block an account: it cannot sign in, its sessions end and its API keys stop')
    .argument('<user>', 'username (or id)')
    .option('--reason <text>', 'why, recorded with the block and in the audit log')
    .option('--json', 'print {"changed","person"}')
    .action((ref: string, opts: CommonOptions & { reason?: string }) =>
      ctx.withApp(opts, async (app, out) => {
        const before = await resolvePerson(app, ref);
        const after = await app.core.people.block(cliActor(), before.id, opts.reason ?? null);
        report(out, before, after);
      }),
    );

  users
    .command('unblock')
    .description('Unblock an account (not one its directory blocked: the directory decides)')
    .argument('<user>', 'username (or id)')
    .option('--json', 'print {"changed","person"}')
    .action((ref: string, opts: CommonOptions) =>
      ctx.withApp(opts, async (app, out) => {
        const before = await resolvePerson(app, ref);
        const after = await app.core.people.unblock(cliActor(), before.id);
        report(out, before, after);
        if (after.state === 'frozen')
          out.note(
            `${after.username} is still locked after failed sign-ins until ${after.frozen_until ?? '?'}; "gatehouse users unfreeze ${after.username}" lifts it.`,
          );
      }),
    );

  users
    .command('unfreeze')
    .description('Lift the lockout that follows too many failed sign-ins')
    .argument('<user>', 'username (or id)')
    .option('--json', 'print {"changed","person"}')
    .action((ref: string, opts: CommonOptions) =>
      ctx.withApp(opts, async (app, out) => {
        const before = await resolvePerson(app, ref);
        const after = await app.core.people.unfreeze(cliActor(), before.id);
        report(out, before, after);
      }),
    );

  return users;
}

/** One line saying what changed, or that nothing needed to. */
function report(out: Output, before: Person, after: Person): void {
  const changed = before.state !== after.state;
  out.result(
    changed
      ? `${after.username} (id ${after.id}) is now ${after.state}.\n`
      : `${after.username} (id ${after.id}) was already ${after.state}; nothing changed.\n`,
    { changed, person: after },
  );
}
