/**
 * The built server (dist/main.js) as a child process on a given database, for tests that
 * kill it (SIGKILL mid-run) or run two of them on one PostgreSQL database. Its log (pino's
 * JSON lines, LOG_LEVEL=info) is kept for the test to read. Each process is ended by the
 * test through its own handle, never by name.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureServerBuilt } from '../../scripts/build.ts';
import { cliEnv } from '../cli/harness.ts';

export const SERVER_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface ServerProcess {
  url: string;
  pid: number;
  /** Every log line so far, parsed (lines that are not JSON are kept as { msg }). */
  logs(): { msg?: string; level?: number; [k: string]: unknown }[];
  /** SIGKILL: no shutdown, no last write. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait (the normal stop). */
  stop(): Promise<void>;
}

/**
 * Starts `node dist/main.js` with the database env of `dbEnv` (freshDatabase().env) and the
 * given settings; resolves once it listens.
 */
export async function startServerProcess(
  dbEnv: Record<string, string | undefined>,
  settings: Record<string, string> = {},
): Promise<ServerProcess> {
  await ensureServerBuilt();
  const env = { ...cliEnv(dbEnv), LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...settings };
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [SERVER_MAIN], {
    env,
    cwd: os.tmpdir(),
  });
  let buffer = '';
  const lines: { msg?: string; level?: number; [k: string]: unknown }[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: string) => {
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          lines.push(JSON.parse(line) as { msg?: string });
        } catch {
          lines.push({ msg: line });
        }
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (m?.[1]) resolve(m[1]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) =>
      reject(
        new Error(
          `${path.basename(SERVER_MAIN)} exited with ${code}: ${lines.map((l) => l.msg).join('\n')}`,
        ),
      ),
    );
  });
  return {
    url,
    pid: child.pid!,
    logs: () => lines,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A JSON request to a server process with an API key. */
export async function call(
  base: string,
  key: string,
  method: string,
  p: string,
  body?: unknown,
  // Tests read answers field by field; the shape is asserted there.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(base + p, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), text };
}
