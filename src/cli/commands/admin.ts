/**
 * `gatehouse admin create --username U`: a person with the sysadmin and People administrator
 * grants, for the first sign-in or a lost one. The password comes from stdin or a prompt.
 */
import type { Command } from 'commander';
import { type CliContext, type CommonOptions, cliActor } from '../context.ts';
import { readPassword } from '../password.ts';

interface AdminCreateOptions extends CommonOptions {
  username: string;
  firstname?: string;
  surname?: string;
  email?: string;
}

export function registerAdminCommands(program: Command, ctx: CliContext): Command {
  const admin = program.command('admin').description('Administrators');
  admin
    .command('create')
    .description(
      'Create an administrator (sysadmin and People administrator). The password is read from stdin when it is piped, otherwise asked twice.',
    )
    .requiredOption('--username <username>', 'their username')
    .option('--firstname <name>', 'first name (default "Site")')
    .option('--surname <name>', 'surname (default "Administrator")')
    .option('--email <address>', 'email (default <username>@localhost.invalid)')
    .option('--json', 'print {"id","username","grants"}')
    .action((opts: AdminCreateOptions) =>
      ctx.run(opts, async (out) => {
        // Asked before the database opens: a typo at the prompt costs no connection.
        const password = await readPassword();
        const app = await ctx.open();
        try {
          const { createAdministrator } = await import('../../bootstrap.ts');
          const id = await createAdministrator(app, cliActor(), opts.username, password, {
            ...(opts.firstname !== undefined ? { firstname: opts.firstname } : {}),
            ...(opts.surname !== undefined ? { surname: opts.surname } : {}),
            ...(opts.email !== undefined ? { email: opts.email } : {}),
          });
          const person = await app.core.people.get(id);
          out.result(
            `Created administrator "${person.username}" (id ${id}) with the grants sysadmin and people_admin.\n`,
            { id, username: person.username, grants: ['sysadmin', 'people_admin'] },
          );
        } finally {
          await app.close();
        }
      }),
    );
  return admin;
}
