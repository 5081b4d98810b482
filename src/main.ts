/** Start: configuration → store → server. */
import { loadConfig, ConfigError } from './config.ts';
import { createApp } from './app.ts';
import { buildServer } from './server.ts';
import { ensureFirstAdministrator } from './bootstrap.ts';
import { SyncScheduler } from './gates/ldap/scheduler.ts';

/**
 * How long a shutdown waits for requests still being handled, and asynchronous imports: within
 * Kubernetes' default 30 s between SIGTERM and SIGKILL.
 */
const SHUTDOWN_GRACE_MS = 25_000;

export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`gatehouse: configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const app = await createApp(config, {
    // Secrets are first saved by a request, after the server (and its log) exists.
    onSecretKeyCreated: (file) =>
      server.log.warn(
        `Made the key that encrypts stored secrets: ${file}. Back it up with the database (without it, saved bind passwords and IdP secrets cannot be read), or set GATEHOUSE_SECRET_KEY.`,
      ),
  });
  const server = await buildServer(app);
  const note = await ensureFirstAdministrator(app);
  server.log.info(`Database: ${app.store.location}`);
  if (note) server.log.warn(note);
  // Expired sessions are refused as they are read; this only keeps the table small.
  const sweep = setInterval(() => {
    app.sessions.sweep().catch((err: unknown) => server.log.warn({ err }, 'session sweep failed'));
  }, 3_600_000);
  sweep.unref();
  // Sync runs of a process that stopped read `interrupted`; scheduled syncs start.
  await app.core.syncRuns.interruptStale();
  const scheduler = new SyncScheduler(app, server.log);
  scheduler.start(config.syncCheckSeconds * 1000);
  const stop = async (signal: string) => {
    server.log.info(`${signal}: shutting down`);
    scheduler.stop();
    await server.close();
    // Handlers of requests whose client has gone may still be writing: let them finish.
    if (!(await server.inFlight.drained(SHUTDOWN_GRACE_MS)))
      server.log.warn(
        `${server.inFlight.count()} requests were still running ${SHUTDOWN_GRACE_MS / 1000} s after ${signal}; closing the database under them.`,
      );
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', (s) => void stop(s));
  process.once('SIGTERM', (s) => void stop(s));
  await server.listen({ port: config.port, host: config.host });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  serve().catch((err: unknown) => {
    console.error('gatehouse: could not start:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
