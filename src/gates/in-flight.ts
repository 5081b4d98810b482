/**
 * Requests still being handled, so that a shutdown closes the database only after them.
 *
 * Why: Fastify's close() waits for open connections, but a request whose client has gone has
 * no connection left while its handler may still be working (a sign-in hashing, then recording
 * the failure and its audit event). Closing the database under it lost that write. A request
 * counts from its first hook until its reply is ready to send (onSend): a response streamed
 * after that keeps its connection open, which close() does wait for. Work a request starts
 * and leaves running after its reply (an asynchronous import) is counted with `track`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** Requests being handled (see trackRequestsInFlight). */
    inFlight: InFlight;
  }
}

export interface InFlight {
  /** Resolves with true once no request is being handled, or false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean>;
  count(): number;
  /** Counts work that outlives its request until it settles; returns the same promise. */
  track<T>(work: Promise<T>): Promise<T>;
}

export function trackRequestsInFlight(server: FastifyInstance): InFlight {
  let running = 0;
  let waiters: (() => void)[] = [];
  const started = new WeakSet<FastifyRequest>();
  const finished = () => {
    if (--running > 0) return;
    for (const wake of waiters) wake();
    waiters = [];
  };
  server.addHook('onRequest', (req, _reply, next) => {
    started.add(req);
    running++;
    next();
  });
  server.addHook('onSend', (req, _reply, payload, next) => {
    // onSend runs again when a hook fails and the error is sent instead: count it once.
    if (started.delete(req)) finished();
    next(null, payload);
  });
  const tracker: InFlight = {
    count: () => running,
    track(work) {
      running++;
      work.then(finished, finished);
      return work;
    },
    drained(timeoutMs) {
      if (running === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  };
  server.decorate('inFlight', tracker);
  return tracker;
}
