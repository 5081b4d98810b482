import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Every *.test.ts under `dir` (Node 20's test runner takes no glob patterns). */
export function testFiles(dir: string, skip: string[] = ['helpers', 'node_modules']): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return skip.includes(e.name) ? [] : testFiles(p, skip);
      return e.name.endsWith('.test.ts') ? [p] : [];
    })
    .sort();
}
