/** `gatehouse serve`: the server, exactly as `npm start` runs it (src/main.ts). */
import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { applyServeV8Flags } from '../v8-flags.ts';

export function registerServeCommand(program: Command, ctx: CliContext): Command {
  return program
    .command('serve')
    .description('Start the server (People API, console, sign-in) on the configured database')
    .option('--port <port>', 'listen on this port (overrides PORT)')
    .option('--host <address>', 'bind to this address (overrides HOST)')
    .action(async (opts: { port?: string; host?: string }) => {
      // Through the environment, so the overrides get the same validation as PORT and HOST.
      if (opts.port !== undefined) ctx.env.PORT = opts.port;
      if (opts.host !== undefined) ctx.env.HOST = opts.host;
      // npm start's V8 flags, before the server makes its first objects (v8-flags.ts).
      applyServeV8Flags();
      // Loaded here: the HTTP stack is the heaviest import, and only `serve` needs it.
      const { serve } = await import('../../main.ts');
      await ctx.run({}, () => serve(ctx.env));
      // A server that failed to start (port in use, database down) may hold a pool open:
      // leave now with the code rather than linger. A running server keeps the process.
      if (ctx.exitCode !== EXIT.ok) process.exit(ctx.exitCode);
    });
}
