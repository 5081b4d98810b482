/**
 * One build at a time: parallel test workers and a concurrent `npm start` may all find a build
 * stale. The first takes a lock folder; the others wait, then find the build fresh.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';

const STALE_LOCK_MS = 300_000;

export async function withBuildLock(
  lock: string,
  isStale: () => boolean,
  build: () => Promise<void> | void,
): Promise<void> {
  if (!isStale()) return;
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process is building; a lock older than 5 minutes is a leftover of a killed one.
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released between our two calls
      }
      if (waited > STALE_LOCK_MS || age > STALE_LOCK_MS) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (isStale()) await build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
