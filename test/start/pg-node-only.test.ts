/** The bundled pg answers its Cloudflare check at build time, and says so when pg changes it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { pgNodeOnly } from '../../scripts/pg-node-only.ts';
import { ROOT } from '../../scripts/freshness.js';

function bundle(entry: string, cwd: string) {
  return esbuild.build({
    absWorkingDir: cwd,
    stdin: { contents: `require(${JSON.stringify(entry)});`, resolveDir: cwd },
    bundle: true,
    platform: 'node',
    write: false,
    logLevel: 'silent',
    external: ['pg-cloudflare', 'pg-native'],
    plugins: [pgNodeOnly],
  });
}

describe('pg bundled for Node.js only', () => {
  it("pg's own stream.js is bundled without the check that loads fetch", async () => {
    const out = await bundle('pg/lib/stream.js', ROOT);
    const code = out.outputFiles[0]!.text;
    assert.match(code, /function isCloudflareRuntime\(\) \{\s*return false;\s*\}/);
    assert.doesNotMatch(code, /new Response\(/);
  });

  it('a pg whose check looks different fails the build, naming the plugin', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-pg-'));
    try {
      const lib = path.join(dir, 'node_modules', 'pg', 'lib');
      mkdirSync(lib, { recursive: true });
      writeFileSync(
        path.join(lib, 'stream.js'),
        'module.exports = { isCloudflare: () => false }\n',
      );
      await assert.rejects(bundle('pg/lib/stream.js', dir), /pg-node-only\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
