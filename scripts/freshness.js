// @ts-check
/**
 * Whether a build output is older than its sources, by modification time. Plain JavaScript:
 * the `gatehouse` launcher (bin/gatehouse.js) asks it before any TypeScript loader exists.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The bundled server and CLI (`npm run build`), run by `npm start` and the launcher. */
export const SERVER_DIST = path.join(ROOT, 'dist');

/**
 * Newest modification time under `p` (a file or a folder, recursively); 0 if it is missing.
 * Runs at every `gatehouse` command over the ~400 files of src/: one stat per file, paths
 * joined as strings (path.join's normalising was a third of the walk's time).
 * @param {string} p
 * @returns {number}
 */
export function newestMtime(p) {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(p, { withFileTypes: true })) {
    const child = `${p}${path.sep}${entry.name}`;
    max = Math.max(max, entry.isDirectory() ? newestMtime(child) : statSync(child).mtimeMs);
  }
  return max;
}

/**
 * True when `output` is missing or older than anything in `sources`.
 * @param {string} output
 * @param {string[]} sources
 * @returns {boolean}
 */
export function isStale(output, sources) {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  return sources.some((s) => newestMtime(s) > built);
}

/** True when dist/ is missing or older than src/ or the build script. */
export function serverIsStale() {
  return isStale(path.join(SERVER_DIST, 'main.js'), [
    path.join(ROOT, 'src'),
    path.join(ROOT, 'scripts', 'build.ts'),
    path.join(ROOT, 'scripts', 'pg-node-only.ts'),
  ]);
}
