/**
 * Scheduled syncs with two servers (the built server, two processes) on one database: one
 * run of a directory at a time across both, both nodes try, an on-demand run while a
 * scheduled one holds the lease is refused with a clear error, and a due schedule gives one
 * run, not one per node. The directory is reached through a TCP proxy that can hold its
 * answers, so a run lasts exactly as long as the test needs it to. The schedule check runs
 * every second (GATEHOUSE_SYNC_CHECK_SECONDS); the shortest schedule is five minutes, so
 * time passing is written into the database: a run's start is moved ten minutes back.
 *
 * On PostgreSQL this is the multi-node setup DESIGN.md describes; on SQLite the two
 * processes share one database file, and the same lease holds them apart.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createAdministrator } from '../../src/bootstrap.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/engine.ts';
import { cliEnv } from '../cli/harness.ts';
import { startSlapd, type SlapdServer } from '../helpers/slapd.ts';
import { call, startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

const SETTINGS = { GATEHOUSE_SECRET_KEY: '5c'.repeat(32), GATEHOUSE_SYNC_CHECK_SECONDS: '1' };
const BASE = 'ou=people,dc=example,dc=test';
const WATCHDOG_MS = 120_000;

function ldif(n: number): string {
  let out = `dn: ${BASE}\nobjectClass: organizationalUnit\nou: people\n\n`;
  for (let i = 0; i < n; i++)
    out += `dn: uid=s${i},${BASE}\nobjectClass: inetOrgPerson\nuid: s${i}\ncn: S ${i}\ngivenName: Given${i}\nsn: Family${i}\nmail: s${i}@example.test\n\n`;
  return out;
}

/** A TCP proxy to the directory whose answers can be held back (and then let through). */
async function holdingProxy(port: number) {
  let held = false;
  const queues = new Set<{ client: net.Socket; queue: Buffer[] }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    const link = { client, queue: [] as Buffer[] };
    queues.add(link);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => queues.delete(link));
    client.pipe(upstream);
    upstream.on('data', (d: Buffer) => (held ? link.queue.push(d) : client.write(d)));
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `ldap://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    hold: () => void (held = true),
    release: () => {
      held = false;
      for (const l of queues) for (const d of l.queue.splice(0)) l.client.write(d);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

interface RunRow {
  id: number;
  status: string;
  trigger: string;
  started_at: string;
  finished_at: string | null;
  runner: string | null;
}

describe('LDAP sync: a schedule on two servers sharing one database', () => {
  let db: FreshDatabase;
  let app: App;
  let key: string;
  let slapd: SlapdServer;
  let proxy: Awaited<ReturnType<typeof holdingProxy>>;
  let nodes: ServerProcess[] = [];
  let dirId: number;
  const api = (node: ServerProcess, method: string, p: string, body?: unknown) =>
    call(node.url, key, method, `/api/people/v2${p}`, body);
  const runs = (): Promise<RunRow[]> =>
    app.store.db
      .selectFrom('directory_runs')
      .select(['id', 'status', 'trigger', 'started_at', 'finished_at', 'runner'])
      .where('directory_id', '=', dirId)
      .orderBy('id')
      .execute();
  /**
   * Polls the database (every 20 ms) until `ready` holds for the runs. The bound is a
   * watchdog against a hang (a broken lease would leave the test waiting for ever), far
   * above what any step takes: not a measure of speed.
   */
  const until = async (ready: (rs: RunRow[]) => boolean): Promise<RunRow[]> => {
    const giveUp = Date.now() + WATCHDOG_MS;
    for (;;) {
      const rs = await runs();
      if (ready(rs)) return rs;
      assert.ok(Date.now() < giveUp, `gave up waiting; the runs: ${JSON.stringify(rs)}`);
      await sleep(20);
    }
  };
  /** Polls a node's log until `count` lines match (with the same watchdog). */
  const logged = async (node: ServerProcess, pattern: RegExp, count = 1) => {
    const giveUp = Date.now() + WATCHDOG_MS;
    while (node.logs().filter((l) => pattern.test(l.msg ?? '')).length < count) {
      assert.ok(Date.now() < giveUp, `gave up waiting for ${count} × ${pattern} in the log`);
      await sleep(20);
    }
  };
  /** When each run really started, before tenMinutesPass moved it. */
  const realStart = new Map<number, string>();
  /** Time passes: every run of the directory started ten minutes earlier than it did. */
  const tenMinutesPass = async () => {
    for (const r of await runs()) {
      if (!realStart.has(r.id)) realStart.set(r.id, r.started_at);
      await app.store.db
        .updateTable('directory_runs')
        .set({ started_at: new Date(Date.parse(r.started_at) - 600_000).toISOString() })
        .where('id', '=', r.id)
        .execute();
    }
  };
  const nodeOf = (r: RunRow) => {
    const node = nodes.find((n) => r.runner?.split(' ')[1] === String(n.pid));
    assert.ok(node, `run ${r.id} was run by neither node: ${r.runner}`);
    return node;
  };
  const REFUSED = /not started: a sync of it is running/;
  const CHECKED = /Sync schedules checked/;

  before(async () => {
    db = await freshDatabase();
    app = await createApp(loadConfig({ ...cliEnv(db.env), ...SETTINGS }));
    const adminId = await createAdministrator(app, SYSTEM_ACTOR, 'admin', 'admin-password-1');
    key = (await app.apiKeys.create(SYSTEM_ACTOR, adminId, 'tests', null)).key;
    slapd = await startSlapd({ preloadLdif: ldif(40) });
    proxy = await holdingProxy(slapd.port);
    // Debug level: each node logs every schedule check, so the test can wait for checks.
    const settings = { ...SETTINGS, LOG_LEVEL: 'debug' };
    nodes = [
      await startServerProcess(db.env, settings),
      await startServerProcess(db.env, settings),
    ];
  });
  after(async () => {
    for (const n of nodes) await n.kill();
    await proxy?.close();
    await app?.close();
    await slapd?.stop();
    await db?.drop();
  });

  it('one node runs a due directory; the other tries and is refused; an on-demand run is refused too', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    // The directory's answers are held: the first scheduled run stays in its read.
    proxy.hold();
    const d = await api(a, 'POST', '/directories', {
      type: 'ldap',
      name: 'Scheduled',
      preset: 'openldap',
      url: proxy.url,
      bind_dn: slapd.bindDn,
      bind_password: slapd.bindPassword,
      base_dn: BASE,
      mapping: { firstname: 'givenName', surname: 'sn', email: 'mail' },
      schedule: { every_minutes: 5 },
    });
    assert.equal(d.status, 201, d.text);
    dirId = d.body.id as number;
    // Never run, so due at once: one node starts it.
    const [first] = await until((rs) => rs.length === 1);
    assert.equal(first!.trigger, 'schedule');
    assert.equal(first!.status, 'running');
    const runner = nodeOf(first!);
    const other = runner === a ? b : a;
    // While it runs, the schedule is due again for both: the runner's node knows it is
    // running it; the other node tries, and the lease refuses it.
    await tenMinutesPass();
    await logged(other, REFUSED);
    for (const node of [a, b]) {
      const r = await api(node, 'POST', `/directories/${dirId}/sync`, {});
      assert.equal(r.status, 409, r.text);
      assert.equal(r.body.type, 'sync_in_progress');
      assert.match(r.body.error as string, /already running \(here or on another node\)/);
    }
    assert.equal((await runs()).length, 1);
    proxy.release();
    await until((rs) => rs[0]?.status === 'completed');
  });

  it('a due schedule gives one run, not one per node, and runs never overlap', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    // The first run's start was moved back, so the schedule is due again: exactly one more.
    await until((r) => r.length === 2 && r[1]?.status === 'completed');
    // Two more checks by each node after that run finished: still no third run.
    const checks = (n: ServerProcess) => n.logs().filter((l) => CHECKED.test(l.msg ?? '')).length;
    const seen = [checks(a), checks(b)];
    await logged(a, CHECKED, seen[0]! + 2);
    await logged(b, CHECKED, seen[1]! + 2);
    assert.equal((await runs()).length, 2);
    // Once more, with both nodes up: time passes, one run.
    await tenMinutesPass();
    const three = await until((r) => r.length === 3 && r[2]?.status === 'completed');
    const now = [checks(a), checks(b)];
    await logged(a, CHECKED, now[0]! + 2);
    await logged(b, CHECKED, now[1]! + 2);
    const all = await runs();
    assert.equal(all.length, 3, JSON.stringify(all));
    assert.deepEqual(
      all.map((r) => [r.trigger, r.status]),
      three.map(() => ['schedule', 'completed']),
    );
    // One at a time: no run started before another one had finished.
    for (const x of all)
      for (const y of all.filter((r) => r.id > x.id))
        assert.ok(
          x.finished_at !== null &&
            Date.parse(realStart.get(y.id) ?? y.started_at) >= Date.parse(x.finished_at),
          `run ${y.id} started before run ${x.id} had finished`,
        );
  });
});
