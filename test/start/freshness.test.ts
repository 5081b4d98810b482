/** When a build counts as stale: the launcher and `npm start` rebuild or fall back on it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isStale, newestMtime } from '../../scripts/freshness.js';

describe('build freshness', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-fresh-'));
  const src = path.join(dir, 'src');
  const nested = path.join(src, 'a', 'b.ts');
  const out = path.join(dir, 'out.js');
  mkdirSync(path.dirname(nested), { recursive: true });
  writeFileSync(nested, '');
  const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);

  it('a missing output is stale', () => {
    assert.equal(isStale(out, [src]), true);
  });

  it('an output newer than every source is fresh; a source edited after it (however deep) makes it stale', () => {
    for (const p of [nested, path.dirname(nested), src]) at(p, 1000);
    writeFileSync(out, '');
    at(out, 2000);
    assert.equal(isStale(out, [src]), false);
    at(nested, 3000);
    assert.equal(newestMtime(src), 3000_000);
    assert.equal(isStale(out, [src]), true);
  });

  it('a missing source counts as old', () => {
    assert.equal(newestMtime(path.join(dir, 'nothing-here')), 0);
    rmSync(dir, { recursive: true, force: true });
  });
});
