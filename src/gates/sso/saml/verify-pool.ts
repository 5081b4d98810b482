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
import { checkResponse, type CheckedResponse, type ResponseCheck } from './check-response.ts';

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

/**
 * A check the pool could not finish (a worker that crashed or threw) refuses the login with
 * the cause, so the person sees the refusal page and the audit log says why, instead of an
 * unaudited 500. Nothing was consumed yet (the replay record and the login request come
 * after the check), so trying again works. After close() (server shutting down), a login
 * still in flight is checked on the calling thread instead: close() must not start a new
 * pool, nor drop a login that was already being answered.
 */
export function createVerifyPool(options: { filename?: string } = {}): VerifyPool {
  let pool: Piscina<ResponseCheck, CheckedResponse> | undefined;
  let closed = false;
  return {
    async check(input) {
      if (closed) return checkResponse(input);
      pool ??= new Piscina({
        filename: options.filename ?? workerFile(),
        minThreads: 0,
        maxThreads: availableParallelism(),
        idleTimeout: 60_000,
      });
      try {
        return await pool.run(input);
      } catch (err) {
        if (closed) return checkResponse(input);
        const cause = err instanceof Error ? err.message : String(err);
        return { ok: false, reason: `The response could not be checked (${cause}).` };
      }
    },
    async close() {
      closed = true;
      await pool?.destroy();
      pool = undefined;
    },
  };
}
