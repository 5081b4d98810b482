/** A core-level App on a fresh database (no HTTP), for tests of the core's rules. */
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { freshDatabase } from './engine.ts';

export async function startTestApp(
  env: Record<string, string> = {},
): Promise<App & { dispose(): Promise<void> }> {
  const db = await freshDatabase();
  const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...db.env, ...env }));
  return Object.assign(app, {
    async dispose() {
      await app.close();
      await db.drop();
    },
  });
}
