/**
 * The real `gatehouse` command (node bin/gatehouse.js, a child process) on a fresh database,
 * beside an App and a started server on the same database, to check what the CLI did.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { loadConfig, SETTINGS } from '../../src/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { buildServer } from '../../src/server.ts';
import { freshDatabase } from '../helpers/engine.ts';

export const BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliFixture {
  env: Record<string, string>;
  app: App;
  /** The started server's base URL. */
  url: string;
  /** Runs `gatehouse ARGS` with this fixture's environment (plus `env`), stdin = `input`. */
  cli(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<CliResult>;
  close(): Promise<void>;
}

/** The parent's environment without any Gatehouse setting, so only the fixture's apply. */
function baseEnv(): Record<string, string> {
  const names = new Set<string>(Object.values(SETTINGS).map((s) => s.env));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !names.has(k) && !k.startsWith('GATEHOUSE_')) out[k] = v;
  return out;
}

export function runCli(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      cwd: os.tmpdir(), // the command must not depend on the current directory
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** The environment for the CLI on a test database: only these Gatehouse settings apply. */
export function cliEnv(dbEnv: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {
    ...baseEnv(),
    LOG_LEVEL: 'silent',
    // The cheapest argon2 the settings allow: the tests check behaviour, not hash cost.
    GATEHOUSE_ARGON2_MEMORY_KIB: '8192',
    GATEHOUSE_ARGON2_ITERATIONS: '1',
  };
  for (const [k, v] of Object.entries(dbEnv)) if (v !== undefined) env[k] = v;
  return env;
}

/** `extra`: settings for the app and every command (e.g. GATEHOUSE_SECRET_KEY on PostgreSQL). */
export async function cliFixture(extra: Record<string, string> = {}): Promise<CliFixture> {
  const db = await freshDatabase();
  const env = { ...cliEnv(db.env), ...extra };
  const app = await createApp(loadConfig(env));
  const server = await buildServer(app, { logger: false });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return {
    env,
    app,
    url,
    cli: (args, opts = {}) => runCli(args, { ...env, ...opts.env }, opts.input),
    async close() {
      await server.close();
      await app.close();
      await db.drop();
    },
  };
}

export function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
