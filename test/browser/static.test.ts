/** Serving the built console: caching, the fallback to index.html, and API paths kept apart. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ensureConsoleBuilt } from '../../web/scripts/ensure-built.ts';
import { CONSOLE_DIST } from '../../src/paths.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('console files', () => {
  let s: TestServer;
  before(async () => {
    await ensureConsoleBuilt();
    s = await startTestServer();
  });
  after(() => s.close());

  it('serves index.html at / and at console paths, revalidated every time, with a strict CSP', async () => {
    for (const p of ['/', '/users/12', '/overview?x=1']) {
      const res = await fetch(s.url + p);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/);
      const html = await res.text();
      assert.match(html, /<div id="root"><\/div>/);
      assert.doesNotMatch(html, /<script>(?!<\/script>)/, 'no inline script');
    }
  });

  it('caches hashed assets for a year and answers 404 for a missing one', async () => {
    const js = readdirSync(path.join(CONSOLE_DIST, 'assets')).find((f) => f.endsWith('.js'));
    assert.ok(js);
    const res = await fetch(`${s.url}/assets/${js}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await fetch(`${s.url}/assets/missing-123.js`)).status, 404);
  });

  it('keeps API paths out of the fallback: unknown ones answer the JSON error', async () => {
    const res = await s.request('GET', '/api/people/v2/nothing-here');
    assert.equal(res.status, 404);
    assert.equal(res.body.type, 'route_not_found');
  });
});
