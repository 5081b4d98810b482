/**
 * The server's build: src/main.ts (the server) and src/cli/main.ts (the `gatehouse` command)
 * bundled by esbuild into dist/ as plain JavaScript, dependencies left in node_modules.
 * `npm start` runs dist/main.js: no TypeScript loader in the process saves about 40 MB of
 * memory and a second of start-up (docs/benchmarks.md).
 *
 *   tsx scripts/build.ts          build the server and the console if either is stale
 *   tsx scripts/build.ts --force  build both anew (npm run build)
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { buildConsole, ensureConsoleBuilt } from '../web/scripts/ensure-built.ts';
import { withBuildLock } from './build-lock.ts';
import { pgNodeOnly } from './pg-node-only.ts';
import { ROOT, SERVER_DIST, serverIsStale } from './freshness.js';

/**
 * Packages bundled into dist/ rather than loaded from node_modules: kysely's ESM build is
 * about 280 small modules, and loading them one by one took about 130 ms of CPU at every
 * start of the CLI and the server (bench/startup.bench.ts); bundled, about 15 ms. pg and its
 * own packages (pg-pool, pg-protocol, pg-types…), loaded for every command on PostgreSQL:
 * `gatehouse users list` 186 → 154 ms. pg is CommonJS: the banner gives bundled code a
 * `require` for Node's own modules; its optional native and Cloudflare parts stay out.
 */
const BUNDLED = new Set(['kysely', 'pg']);

/** Every dependency but BUNDLED, with its subpaths (e.g. csv-stringify/sync). */
function externalPackages(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })
    .filter((name) => !BUNDLED.has(name))
    .flatMap((name) => [name, `${name}/*`]);
}

export async function buildServer(outdir: string = SERVER_DIST): Promise<void> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    // The SAML response checks run in worker threads (src/gates/sso/saml/verify-pool.ts).
    entryPoints: {
      main: 'src/main.ts',
      cli: 'src/cli/main.ts',
      'saml-verify-worker': 'src/gates/sso/saml/verify-worker.ts',
    },
    outdir,
    bundle: true,
    // The CLI loads the HTTP server only for `serve`: shared code goes into chunks.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies stay in node_modules, except those in BUNDLED (see there).
    external: [...externalPackages(), 'pg-native', 'pg-cloudflare'],
    // pg's Cloudflare check would load Node's fetch at every start (pg-node-only.ts).
    plugins: [pgNodeOnly],
    banner: {
      js: "import { createRequire as __gatehouseRequire } from 'node:module'; const require = __gatehouseRequire(import.meta.url);",
    },
    // Readable stack traces on request: node --enable-source-maps dist/main.js
    sourcemap: 'linked',
    logLevel: 'warning',
    metafile: true,
  });
  // Chunks of earlier builds have other hashes: remove them, keep what this build wrote.
  const written = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(ROOT, f)));
  const chunks = path.join(outdir, 'chunks');
  for (const f of existsSync(chunks) ? readdirSync(chunks) : []) {
    const file = path.join(chunks, f);
    if (!written.has(file)) rmSync(file, { force: true });
  }
}

export async function ensureServerBuilt(): Promise<void> {
  await withBuildLock(path.join(ROOT, '.build-lock'), serverIsStale, async () => {
    console.log('Building the server (dist/)…');
    await buildServer();
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--force')) {
    await buildServer();
    buildConsole();
  } else {
    await ensureServerBuilt();
    await ensureConsoleBuilt();
  }
}
