/**
 * The worker threads that check SAML responses (check-response.ts). An ACS check costs
 * several milliseconds of CPU in node-saml and xml-crypto (three parses, XPath lookups of
 * the signed element, canonicalisation); in threads it neither stops the event loop nor
 * stays on one core. Threads start at the first SAML login and end after a minute idle, so
 * a server without SAML logins pays nothing.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { PACKAGE_ROOT } from '../../../paths.ts';
import type { CheckedResponse, ResponseCheck } from './check-response.ts';

export interface VerifyPool {
  check(input: ResponseCheck): Promise<CheckedResponse>;
  close(): Promise<void>;
}

/**
 * The worker's file: this module runs from its TypeScript source (tsx, tests), whose
 * workers load the source through the same loader, or bundled into dist/ (npm start),
 * where scripts/build.ts writes the worker beside the server.
 */
function workerFile(): string {
  return import.meta.url.endsWith('.ts')
    ? path.join(PACKAGE_ROOT, 'src', 'gates', 'sso', 'saml', 'verify-worker.ts')
    : path.join(PACKAGE_ROOT, 'dist', 'saml-verify-worker.js');
}

export function createVerifyPool(): VerifyPool {
  let pool: Piscina<ResponseCheck, CheckedResponse> | undefined;
  return {
    check(input) {
      pool ??= new Piscina({
        filename: workerFile(),
        minThreads: 0,
        maxThreads: availableParallelism(),
        idleTimeout: 60_000,
      });
      return pool.run(input);
    },
    async close() {
      await pool?.destroy();
      pool = undefined;
    },
  };
}
