/**
 * Builds the console when web/dist is missing or older than its sources, so `npm start`
 * and the browser tests always serve the current console. A directory lock keeps two
 * processes from building at once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.dirname(web);
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts'];

function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(p)) max = Math.max(max, newest(path.join(p, e)));
  return max;
}

export function consoleIsStale(): boolean {
  const built = path.join(web, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(...SOURCES.map((s) => newest(path.join(web, s))));
  return sources > statSync(built).mtimeMs;
}

export async function ensureConsoleBuilt(): Promise<void> {
  const lock = path.join(web, '.build-lock');
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process is building; a lock older than 5 minutes is a leftover.
      if (waited > 300_000 || Date.now() - statSync(lock).mtimeMs > 300_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!consoleIsStale()) return;
    console.log('Building the web console (web/dist)…');
    const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
    const r = spawnSync(
      process.execPath,
      [vite, 'build', '--config', path.join(web, 'vite.config.ts'), '--logLevel', 'warn'],
      {
        stdio: 'inherit',
        cwd: root,
      },
    );
    if (r.status !== 0) throw new Error('The console build failed (npm run build:web).');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await ensureConsoleBuilt();
