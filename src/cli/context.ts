/**
 * What every command shares: the environment it reads its configuration from, where it
 * prints, the actor it writes as, and `run`, which opens the App, runs the command, closes
 * the App (so the process can exit) and turns any error into a message and an exit code.
 */
import os from 'node:os';
import { loadConfig, type Config } from '../config.ts';
import type { App } from '../app.ts';
import type { Actor } from '../core/context.ts';
import { EXIT, describeError } from './exit-codes.ts';
import { Output, processIo, type Io } from './output.ts';

export interface CommonOptions {
  json?: boolean;
}

/** Who acts: the operating-system user, through the CLI gate (audited as gate "cli"). */
export function cliActor(): Actor {
  let user = process.env.USER ?? 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (some containers): keep $USER
  }
  return { personId: null, label: `cli:${user}`, gate: 'cli' };
}

export class CliContext {
  /** Set by the last command that ran; undefined while none has. */
  exitCode: number | undefined;
  /** --debug: print the stack of unexpected errors. */
  debug = false;

  constructor(
    readonly io: Io = processIo,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  output(opts: CommonOptions): Output {
    return new Output(this.io, opts.json === true);
  }

  config(): Config {
    return loadConfig(this.env);
  }

  /** Opens the App on the configured database, applying migrations as the server does. */
  async open(opts: { migrate?: boolean } = {}): Promise<App> {
    // Loaded here, not at the top: `--version`, `--help` and usage errors need none of the
    // store, the core or their packages, and loading them was most of the CLI's start-up.
    const { createApp } = await import('../app.ts');
    return createApp(this.config(), opts);
  }

  /**
   * Runs one command. `fn` returns an exit code (or nothing for success); a thrown error is
   * printed (as JSON with --json) and mapped through exit-codes.ts.
   */
  async run(opts: CommonOptions, fn: (out: Output) => Promise<number | void>): Promise<void> {
    const out = this.output(opts);
    try {
      this.exitCode = (await fn(out)) ?? EXIT.ok;
    } catch (err) {
      const described = describeError(err);
      out.error(described);
      if (described.exitCode === EXIT.unexpected && this.debug && err instanceof Error)
        this.io.err(`${err.stack ?? ''}\n`);
      this.exitCode = described.exitCode;
    }
  }

  /** `run` with an open App, closed afterwards whatever happens. */
  async withApp(
    opts: CommonOptions,
    fn: (app: App, out: Output) => Promise<number | void>,
    appOpts: { migrate?: boolean } = {},
  ): Promise<void> {
    await this.run(opts, async (out) => {
      const app = await this.open(appOpts);
      try {
        return await fn(app, out);
      } finally {
        await app.close();
      }
    });
  }
}
