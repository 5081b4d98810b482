import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import Fastify from 'fastify';
import { trackRequestsInFlight } from './in-flight.ts';

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('requests in flight', () => {
  it('counts a request whose client has gone until its handler finishes, after the server has closed', async () => {
    const server = Fastify();
    const inFlight = trackRequestsInFlight(server);
    const entered = gate();
    const release = gate();
    server.get('/slow', async () => {
      entered.open();
      await release.opened;
      return { done: true };
    });
    server.get('/fast', () => ({ fast: true }));
    const url = await server.listen({ port: 0, host: '127.0.0.1' });

    assert.equal((await fetch(`${url}/fast`)).status, 200);
    assert.equal((await fetch(`${url}/nowhere`)).status, 404);
    assert.equal(inFlight.count(), 0, 'answered requests are not counted');

    const req = http.get(`${url}/slow`);
    req.on('error', () => undefined);
    await entered.opened;
    req.destroy();
    await server.close(); // no connection is left: close() does not wait for the handler
    assert.equal(inFlight.count(), 1);
    assert.equal(await inFlight.drained(20), false, 'not drained while the handler runs');
    const drained = inFlight.drained(5_000);
    release.open();
    assert.equal(await drained, true);
    assert.equal(inFlight.count(), 0);
  });

  it('counts work tracked beyond its request until it settles, failed or not', async () => {
    const server = Fastify();
    const inFlight = trackRequestsInFlight(server);
    const ok = gate();
    const tracked = inFlight.track(ok.opened);
    const failing = inFlight.track(Promise.reject(new Error('boom')));
    await assert.rejects(failing, /boom/);
    assert.equal(inFlight.count(), 1);
    assert.equal(await inFlight.drained(20), false);
    ok.open();
    await tracked;
    assert.equal(await inFlight.drained(1_000), true);
    await server.close();
  });
});
