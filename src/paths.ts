/**
 * Where Gatehouse's own files are. The same module runs from `src/` (tsx, tests) and bundled
 * into `dist/` (npm start), so paths are found from the package root, not from this file.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (pkg.name === 'gatehouse') return dir;
    }
    if (path.dirname(dir) === dir)
      throw new Error(`Gatehouse's package.json was not found above ${from}.`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

export const PACKAGE_JSON = path.join(PACKAGE_ROOT, 'package.json');

/** The built web console (npm run build:web). */
export const CONSOLE_DIST = path.join(PACKAGE_ROOT, 'web', 'dist');
