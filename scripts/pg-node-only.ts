/**
 * An esbuild plugin for the bundled pg (scripts/build.ts): pg's check for Cloudflare Workers
 * (lib/stream.js, run when pg is loaded) is answered at build time, since the bundle runs
 * only on Node.js.
 *
 * Why: on Node.js 20, which has no `navigator`, the check builds a fetch `Response` to see
 * whether it keeps a `cf` property; the first touch of the global `Response` loads Node's
 * whole fetch implementation (undici), about a tenth of every PostgreSQL command's start-up
 * (`gatehouse users list` on PostgreSQL, bench/startup.bench.ts), for an answer that on
 * Node.js is always "no". If a pg release changes the check, the build fails here rather than
 * silently loading fetch again.
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

const CHECK = /function isCloudflareRuntime\(\) \{\n[\s\S]*?\n\}\n/;

export const pgNodeOnly: Plugin = {
  name: 'pg-node-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!CHECK.test(source))
        throw new Error(
          `${args.path}: pg's isCloudflareRuntime() is not where scripts/pg-node-only.ts expects it; update the plugin.`,
        );
      return {
        contents: source.replace(
          CHECK,
          '// Answered at build time (scripts/pg-node-only.ts): the bundle runs on Node.js.\nfunction isCloudflareRuntime() {\n  return false\n}\n',
        ),
        loader: 'js',
      };
    });
  },
};
