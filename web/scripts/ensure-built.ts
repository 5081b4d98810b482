/**
 * Builds the console when web/dist is missing or older than its sources, so `npm start`
 * and the browser tests always serve the current console.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withBuildLock } from '../../scripts/build-lock.ts';
import { isStale } from '../../scripts/freshness.js';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.dirname(web);
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts'];

export function consoleIsStale(): boolean {
  return isStale(
    path.join(web, 'dist', 'index.html'),
    SOURCES.map((s) => path.join(web, s)),
  );
}

export function buildConsole(): void {
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(
    process.execPath,
    [vite, 'build', '--config', path.join(web, 'vite.config.ts'), '--logLevel', 'warn'],
    { stdio: 'inherit', cwd: root },
  );
  if (r.status !== 0) throw new Error('The console build failed (npm run build:web).');
}

export async function ensureConsoleBuilt(): Promise<void> {
  await withBuildLock(path.join(web, '.build-lock'), consoleIsStale, () => {
    console.log('Building the web console (web/dist)…');
    buildConsole();
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await ensureConsoleBuilt();
