/**
 * Directory sync under faults, with the built server as a child process: the server killed
 * (SIGKILL) during a run's writes — in the bulk create and in the entry-by-entry changes —
 * and then restarted; and the directory connection dropped in the middle of a paged search
 * (a TCP proxy that cuts it after a set number of bytes). Nothing is half-applied, nobody
 * is wrongly blocked, the killed run does not stay `running`, and the next run finishes the
 * work. (A directory that is down from the start is in sync-openldap.test.ts.)
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { Attribute, Change } from 'ldapts';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createAdministrator } from '../../src/bootstrap.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/engine.ts';
import { cliEnv } from '../cli/harness.ts';
import { startSlapd, withRoot, type SlapdServer } from '../helpers/slapd.ts';
import { call, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const KEY = { GATEHOUSE_SECRET_KEY: 'fa'.repeat(32) };
/** Enough entries that the writes take a while on any machine: the kill lands among them. */
const N = 3000;
const BASE = 'ou=people,dc=example,dc=test';

function ldif(n: number): string {
  let out = `dn: ${BASE}\nobjectClass: organizationalUnit\nou: people\n\n`;
  for (let i = 0; i < n; i++)
    out += `dn: uid=p${i},${BASE}\nobjectClass: inetOrgPerson\nuid: p${i}\ncn: Person ${i}\ngivenName: Given${i}\nsn: Family${i}\nmail: p${i}@example.test\n\n`;
  return out;
}

/**
 * A TCP proxy to the directory that can cut a connection once the directory has sent it
 * more than `cutAfter` bytes: the middle of a paged search, mid-message.
 */
async function proxyTo(port: number) {
  const state = { cutAfter: Infinity, cuts: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    let sent = 0;
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.on('data', (d: Buffer) => {
      sent += d.length;
      if (sent > state.cutAfter) {
        state.cuts++;
        // Half of this chunk goes through: the client is left inside a message.
        client.write(d.subarray(0, Math.floor(d.length / 2)));
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address() as net.AddressInfo;
  return {
    url: `ldap://127.0.0.1:${address.port}`,
    state,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('LDAP sync: the server killed mid-run, a connection dropped mid-page', () => {
  let db: FreshDatabase;
  let app: App;
  let key: string;
  let slapd: SlapdServer;
  let server: ServerProcess;
  let dirId: number;
  const env = () => ({ ...db.env, ...KEY });
  const api = (method: string, p: string, body?: unknown) =>
    call(server.url, key, method, `/api/people/v2${p}`, body);

  /** The state of the database as the test process reads it, beside the server. */
  const owned = async () => {
    const provider = `directory:${dirId}`;
    const people = await app.store.db
      .selectFrom('people')
      .select(['id', 'username', 'state', 'surname', 'email'])
      .where('directory_id', '=', dirId)
      .execute();
    const links = await app.store.db
      .selectFrom('external_identities')
      .select(['person_id'])
      .where('provider', '=', provider)
      .execute();
    return { people, linked: new Set(links.map((l) => l.person_id)), links: links.length };
  };
  /** Every account of the directory is whole: made, linked, and nobody blocked. */
  const assertWhole = async (blockedAllowed: ReadonlySet<string> = new Set()) => {
    const o = await owned();
    for (const p of o.people) assert.ok(o.linked.has(p.id), `${p.username} has no link`);
    assert.equal(o.links, o.people.length, 'a link without its account');
    const blocked = o.people.filter((p) => p.state === 'blocked').map((p) => p.username);
    assert.deepEqual(blocked.filter((u) => !blockedAllowed.has(u)).sort(), []);
    return o;
  };
  const runRow = (id: number) =>
    app.store.db
      .selectFrom('directory_runs')
      .select(['status', 'phase'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  /** Polls the database until `ready`, every few milliseconds; fails if the run ends first. */
  const waitFor = async (runId: number, ready: () => Promise<boolean>) => {
    for (;;) {
      if (await ready()) return;
      const r = await runRow(runId);
      assert.equal(r.status, 'running', 'the run ended before the moment to kill it');
      await sleep(5);
    }
  };
  const restart = async () => {
    await server.kill();
    server = await startServerProcess(env());
  };

  before(async () => {
    db = await freshDatabase();
    app = await createApp(loadConfig({ ...cliEnv(db.env), ...KEY }));
    const adminId = await createAdministrator(app, SYSTEM_ACTOR, 'admin', 'admin-password-1');
    key = (await app.apiKeys.create(SYSTEM_ACTOR, adminId, 'tests', null)).key;
    slapd = await startSlapd({ preloadLdif: ldif(N) });
    server = await startServerProcess(env());
    const d = await api('POST', '/directories', {
      type: 'ldap',
      name: 'Big',
      preset: 'openldap',
      url: slapd.url,
      bind_dn: slapd.bindDn,
      bind_password: slapd.bindPassword,
      base_dn: BASE,
      mapping: { firstname: 'givenName', surname: 'sn', email: 'mail' },
    });
    assert.equal(d.status, 201, d.text);
    dirId = d.body.id as number;
  });
  after(async () => {
    await server?.kill();
    await app?.close();
    await slapd?.stop();
    await db?.drop();
  });

  it('killed during the bulk create: no account half-made, the run reads interrupted, the next run makes them', async () => {
    const start = await api('POST', `/directories/${dirId}/sync?async=true`, {});
    assert.equal(start.status, 202, start.text);
    const runId = start.body.id as number;
    await waitFor(runId, async () => (await runRow(runId)).phase === 'writing');
    await restart();
    const o = await assertWhole();
    // The new accounts are one transaction: all of them, or none.
    assert.ok(o.people.length === 0 || o.people.length === N, `${o.people.length} accounts`);
    const killed = await api('GET', `/directories/${dirId}/runs/${runId}`);
    assert.equal(killed.body.status, 'interrupted', killed.text);
    const next = await api('POST', `/directories/${dirId}/sync`, {});
    assert.equal(next.status, 200, next.text);
    assert.equal(next.body.status, 'completed', next.text);
    assert.equal(next.body.counts.created, N - o.people.length, next.text);
    assert.equal((await assertWhole()).people.length, N);
  });

  it('killed during the entry-by-entry changes: each account changed whole or not at all, nobody blocked', async () => {
    // A third of the entries change two attributes; five leave the directory.
    const changed = N / 3;
    const gone = ['p10', 'p11', 'p12', 'p13', 'p14'];
    await withRoot(slapd, async (c) => {
      for (let i = 0; i < changed; i++) {
        const dn = `uid=p${i + 100},${BASE}`;
        await c.modify(dn, [
          new Change({
            operation: 'replace',
            modification: new Attribute({ type: 'sn', values: [`Changed${i + 100}`] }),
          }),
          new Change({
            operation: 'replace',
            modification: new Attribute({
              type: 'mail',
              values: [`changed${i + 100}@example.test`],
            }),
          }),
        ]);
      }
      for (const uid of gone) await c.del(`uid=${uid},${BASE}`);
    });
    const start = await api('POST', `/directories/${dirId}/sync?async=true`, {});
    assert.equal(start.status, 202, start.text);
    const runId = start.body.id as number;
    const changedSoFar = async () =>
      Number(
        (
          await app.store.db
            .selectFrom('people')
            .select(sql<number>`count(*)`.as('n'))
            .where('directory_id', '=', dirId)
            .where('surname', 'like', 'Changed%')
            .executeTakeFirstOrThrow()
        ).n,
      );
    await waitFor(runId, async () => (await changedSoFar()) > 0);
    await restart();
    // Nobody is blocked yet: the gone entries come after the changes, and the kill was before.
    const o = await assertWhole();
    const done = o.people.filter((p) => p.surname.startsWith('Changed'));
    assert.ok(done.length > 0 && done.length < changed, `${done.length} changed`);
    for (const p of o.people)
      assert.equal(
        p.surname.startsWith('Changed'),
        p.email.startsWith('changed'),
        `${p.username} is half changed: ${p.surname} ${p.email}`,
      );
    assert.equal(
      (await api('GET', `/directories/${dirId}/runs/${runId}`)).body.status,
      'interrupted',
    );
    const next = await api('POST', `/directories/${dirId}/sync`, {});
    assert.equal(next.body.status, 'completed', next.text);
    assert.equal(next.body.counts.updated, changed - done.length, next.text);
    assert.equal(next.body.counts.blocked, gone.length, next.text);
    const after = await assertWhole(new Set(gone));
    assert.equal(after.people.filter((p) => p.surname.startsWith('Changed')).length, changed);
  });

  it('a connection dropped in the middle of a paged search blocks and changes nobody', async () => {
    const proxy = await proxyTo(slapd.port);
    try {
      assert.equal((await api('PATCH', `/directories/${dirId}`, { url: proxy.url })).status, 200);
      // Changes the run must not half-apply: more leavers, and a changed entry.
      await withRoot(slapd, async (c) => {
        for (const uid of ['p20', 'p21']) await c.del(`uid=${uid},${BASE}`);
        await c.modify(
          `uid=p30,${BASE}`,
          new Change({
            operation: 'replace',
            modification: new Attribute({ type: 'givenName', values: ['Dropped'] }),
          }),
        );
      });
      // Far into the read of the entries (each is about 200 bytes), never in the small
      // exchanges before it (bind, the watermark).
      proxy.state.cutAfter = 100_000;
      const r = await api('POST', `/directories/${dirId}/sync`, {});
      assert.equal(r.status, 200, r.text);
      assert.equal(proxy.state.cuts, 1);
      assert.equal(r.body.status, 'failed', r.text);
      assert.match(r.body.stop_reason as string, /nobody was blocked/);
      assert.match(r.body.stop_reason as string, /stopped after \d+ page/);
      assert.deepEqual(
        { blocked: r.body.counts.blocked, updated: r.body.counts.updated },
        { blocked: 0, updated: 0 },
      );
      const o = await owned();
      assert.equal(o.people.find((p) => p.username === 'p20')?.state, 'active');
      // The next run through the same proxy, uncut, does the work.
      proxy.state.cutAfter = Infinity;
      const next = await api('POST', `/directories/${dirId}/sync`, {});
      assert.equal(next.body.status, 'completed', next.text);
      assert.deepEqual(
        { blocked: next.body.counts.blocked, updated: next.body.counts.updated },
        { blocked: 2, updated: 1 },
      );
    } finally {
      await proxy.close();
    }
  });
});
