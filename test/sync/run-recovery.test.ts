/**
 * A run's lease and run row after its process died (regression: a server killed mid-run and
 * restarted showed the run `running`, and refused every new run with sync_in_progress until
 * the lease expired two minutes later). The end-to-end case, with a real SIGKILL, is in
 * test/ldap/sync-faults.test.ts; here the dead process is written into the tables as a crash
 * leaves it, so each holder kind is checked: a dead process of this host, another host's.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { startTestApp } from '../helpers/app.ts';
import type { App } from '../../src/app.ts';
import type { DirectoryRecord } from '../../src/core/directories.ts';
import { GatehouseError } from '../../src/core/errors.ts';
import { SYNC_TESTER as admin, offlineLdapDirectory, syncRun } from '../helpers/sync.ts';

/** No process has this pid (above any pid_max), so its runner has certainly stopped. */
const DEAD = `${os.hostname()} 2147483646 0123456789ab`;
const ELSEWHERE = `another-host.example 4242 0123456789ab`;

const solo = [
  {
    externalId: 'id-1',
    username: 'solo',
    dn: 'uid=solo,dc=example,dc=org',
    fields: { firstname: 'Solo', surname: 'Person', email: 'solo@example.org' },
    profile: {},
    active: true,
  },
];

describe('core: sync runs and leases of a process that died', () => {
  let app: App & { dispose(): Promise<void> };
  let dir: DirectoryRecord;
  const run = () => syncRun(app, dir, solo);
  /** What a process killed mid-run leaves: its run `running`, its lease unexpired. */
  const crashedRun = async (runner: string) => {
    const now = new Date().toISOString();
    const row = await app.store.db
      .insertInto('directory_runs')
      .values({
        directory_id: dir.id,
        status: 'running',
        dry_run: 0,
        mode: 'full',
        trigger: 'manual',
        started_by_label: 'tester',
        started_at: now,
        heartbeat_at: now,
        phase: 'writing',
        runner,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await app.store.db
      .insertInto('directory_leases')
      .values({
        directory_id: dir.id,
        holder: `${runner} 4f7d0c3e`,
        expires_at: new Date(Date.now() + 120_000).toISOString(),
      })
      .onConflict((oc) =>
        oc.column('directory_id').doUpdateSet({
          holder: `${runner} 4f7d0c3e`,
          expires_at: new Date(Date.now() + 120_000).toISOString(),
        }),
      )
      .execute();
    return row.id;
  };
  const statusOf = async (id: number) => (await app.core.syncRuns.run(dir.id, id)).status;

  before(async () => {
    app = await startTestApp({ GATEHOUSE_SECRET_KEY: 'ce'.repeat(32) });
    dir = await app.core.directories.createDirectory(admin, offlineLdapDirectory('Crashy'));
  });
  after(async () => {
    await app.dispose();
  });

  it('at start-up, a run of a dead process of this host reads interrupted at once', async () => {
    const id = await crashedRun(DEAD);
    await app.core.syncRuns.interruptStale();
    assert.equal(await statusOf(id), 'interrupted');
  });

  it('the lease of a dead process of this host is taken over: the next run goes ahead', async () => {
    const id = await crashedRun(DEAD);
    const r = await run();
    assert.equal(r.status, 'completed', r.stop_reason ?? '');
    assert.equal(await statusOf(id), 'interrupted');
  });

  it("another host's lease is left to expire: a run is refused meanwhile, its run left alone", async () => {
    const id = await crashedRun(ELSEWHERE);
    await app.core.syncRuns.interruptStale();
    await assert.rejects(
      run(),
      (e) => e instanceof GatehouseError && e.type === 'sync_in_progress',
    );
    assert.equal(await statusOf(id), 'running');
    // Once it has expired, the next run takes it and marks the dead run interrupted.
    await app.store.db
      .updateTable('directory_leases')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .execute();
    assert.equal((await run()).status, 'completed');
    assert.equal(await statusOf(id), 'interrupted');
  });
});
