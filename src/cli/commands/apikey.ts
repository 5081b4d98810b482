/**
 * `gatehouse apikey create|list|revoke`: People API keys. A key acts as its owner; it is
 * stored hashed, so `create` prints it once and nothing can show it again.
 */
import type { Command } from 'commander';
import type { ApiKey } from '../../auth/api-keys.ts';
import { type CliContext, type CommonOptions, cliActor } from '../context.ts';
import { table } from '../output.ts';
import { resolvePerson } from '../resolve.ts';
import { intArg } from './args.ts';

interface CreateOptions extends CommonOptions {
  owner: string;
  name: string;
  expires?: string;
}

export function registerApiKeyCommands(program: Command, ctx: CliContext): Command {
  const apikey = program.command('apikey').description('People API keys');

  apikey
    .command('create')
    .description('Create an API key that acts as its owner; the key is printed once')
    .requiredOption('--owner <user>', "the owner's username (or id)")
    .requiredOption('--name <name>', 'what the key is for, e.g. "HR sync"')
    .option('--expires <iso-date>', 'when it stops working, e.g. 2027-01-31T00:00:00Z')
    .option('--json', 'print {"id","key","owner","name","expires_at"}')
    .action((opts: CreateOptions) =>
      ctx.withApp(opts, async (app, out) => {
        const owner = await resolvePerson(app, opts.owner);
        const { key, record } = await app.apiKeys.create(
          cliActor(),
          owner.id,
          opts.name,
          opts.expires ?? null,
        );
        // Only a block stops keys; a lockout (frozen) does not.
        if (owner.state === 'blocked')
          out.warn(`${owner.username} is blocked: the key works only once they are unblocked.`);
        out.result(
          () =>
            `Created API key ${record.id} "${record.name}" for ${owner.username}` +
            ` (${record.expires_at ? `expires ${record.expires_at}` : 'does not expire'}).\n` +
            `This is the only time the key is shown; store it now:\n\n${key}\n`,
          {
            id: record.id,
            key,
            owner: owner.username,
            name: record.name,
            expires_at: record.expires_at,
          },
        );
      }),
    );

  apikey
    .command('list')
    .description('List API keys (never the keys themselves)')
    .option('--owner <user>', "only this owner's keys")
    .option('--limit <n>', 'at most this many (default 100)', intArg(1, 10_000), 100)
    .option('--offset <n>', 'skip this many', intArg(0, Number.MAX_SAFE_INTEGER), 0)
    .option('--json', 'print {"total","offset","limit","data":[keys]}')
    .action((opts: CommonOptions & { owner?: string; limit: number; offset: number }) =>
      ctx.withApp(opts, async (app, out) => {
        const owner = opts.owner === undefined ? null : await resolvePerson(app, opts.owner);
        const page = await app.apiKeys.list(owner?.id ?? null, opts.offset, opts.limit);
        const names = new Map<number, string>();
        for (const k of page.data)
          if (!names.has(k.owner_id))
            names.set(k.owner_id, (await app.core.people.get(k.owner_id)).username);
        out.result(
          () =>
            table<ApiKey>(
              [
                { header: 'ID', value: (k) => String(k.id), right: true },
                { header: 'NAME', value: (k) => k.name },
                { header: 'OWNER', value: (k) => names.get(k.owner_id) ?? String(k.owner_id) },
                { header: 'PREFIX', value: (k) => k.prefix },
                { header: 'STATUS', value: keyStatus },
                { header: 'EXPIRES', value: (k) => k.expires_at ?? '-' },
                { header: 'LAST USED', value: (k) => k.last_used_at ?? '-' },
              ],
              page.data,
            ) + `${page.data.length} of ${page.total} keys.\n`,
          { total: page.total, offset: opts.offset, limit: opts.limit, data: page.data },
        );
      }),
    );

  apikey
    .command('revoke')
    .description('Revoke an API key at once (by its id, see "apikey list")')
    .argument('<id>', 'the key id', intArg(1, Number.MAX_SAFE_INTEGER))
    .option('--json', 'print the key record')
    .action((id: number, opts: CommonOptions) =>
      ctx.withApp(opts, async (app, out) => {
        const before = await app.apiKeys.get(id);
        const after = await app.apiKeys.revoke(cliActor(), id);
        out.result(
          before.revoked_at === null
            ? `Revoked API key ${id} "${after.name}".\n`
            : `API key ${id} "${after.name}" was already revoked (${before.revoked_at}).\n`,
          after,
        );
      }),
    );
  return apikey;
}

function keyStatus(k: ApiKey): string {
  if (k.revoked_at !== null) return 'revoked';
  if (k.expires_at !== null && Date.parse(k.expires_at) <= Date.now()) return 'expired';
  return 'active';
}
