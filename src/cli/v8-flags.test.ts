import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVE_V8_FLAGS } from './v8-flags.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Allocates long-lived objects from one site, so that V8 would consider pretenuring it. */
const ALLOCATE = `
const keep = [];
const make = (i) => ({ a: i, b: String(i), c: [i] });
for (let r = 0; r < 20; r++) for (let i = 0; i < 100000; i++) keep.push(make(i));`;

/** Lines V8 prints about pretenuring decisions when run with --trace-pretenuring-statistics. */
function pretenuringLines(script: string): number {
  const r = spawnSync(process.execPath, ['--trace-pretenuring-statistics', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return (r.stdout + r.stderr).split('\n').filter((l) => l.includes('pretenuring')).length;
}

describe('gatehouse serve: the V8 flags of npm start', () => {
  it('applies every flag of npm start but the heap limit (fixed when the heap is made)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    const flags = pkg.scripts.start
      .split(/\s+/)
      .filter((w) => w.startsWith('--') && !w.startsWith('--max-old-space-size='));
    assert.deepEqual([...SERVE_V8_FLAGS].sort(), flags.sort());
  });

  it('takes effect when set at run time, as the command line would', () => {
    const set = `require('node:v8').setFlagsFromString(${JSON.stringify(SERVE_V8_FLAGS[0])});`;
    // The control: without the flag V8 tracks the allocation site and reports on it.
    assert.ok(pretenuringLines(ALLOCATE) > 0);
    assert.equal(pretenuringLines(set + ALLOCATE), 0);
  });
});
