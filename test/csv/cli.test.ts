import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, type FreshDatabase } from '../helpers/engine.ts';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { runUsersExport, runUsersImport, type CliIo } from '../../src/cli/commands/users-csv.ts';
import { countPeople } from '../../src/store/people-repo.ts';
import { findImport } from '../../src/store/imports-repo.ts';
import { CsvImports, reportOf } from '../../src/gates/csv/imports.ts';

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    tty: false,
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  };
  return io;
}

describe('CLI: gatehouse users import / export', () => {
  let db: FreshDatabase;
  let app: App;
  let dir: string;
  before(async () => {
    db = await freshDatabase();
    app = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...db.env }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-csv-'));
  });
  after(async () => {
    await app.close();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dry run prints the summary and each error with row and column; exit code 4 (refused, as elsewhere)', async () => {
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(
      file,
      'username,firstname,surname,email\nann,Ann,A,ann@example.org\nbob,Bob,B,nope\n',
    );
    const io = capture();
    assert.equal(await runUsersImport(app, file, { dryRun: true }, io), 4);
    assert.match(io.stdout, /2 rows: 1 to create, 0 to update, 0 unchanged, 1 with errors/);
    assert.match(io.stdout, /row 3 \(bob\), email: Must be an email address/);
    assert.match(io.stdout, /Dry run: nothing was changed/);
    const applied = capture();
    assert.equal(await runUsersImport(app, file, {}, applied), 4);
    assert.match(applied.stdout, /Nothing was applied/);
    assert.equal(await countPeople(app.store.db), 0);
    const some = capture();
    assert.equal(await runUsersImport(app, file, { validOnly: true, json: true }, some), 0);
    const report = JSON.parse(some.stdout) as { applied: boolean; outcomes: unknown[] };
    assert.equal(report.applied, true);
    assert.equal(report.outcomes.length, 2);
    assert.equal(await countPeople(app.store.db), 1);
  });

  it('export to a file, then import of that file: everything unchanged; exit code 2 for a missing file', async () => {
    const file = path.join(dir, 'export.csv');
    assert.equal(await runUsersExport(app, file), 0);
    assert.deepEqual([...fs.readFileSync(file).subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const io = capture();
    assert.equal(await runUsersImport(app, file, {}, io), 0);
    assert.match(io.stdout, /1 rows: 0 to create, 0 to update, 1 unchanged, 0 with errors/);
    const missing = capture();
    assert.equal(await runUsersImport(app, path.join(dir, 'nope.csv'), {}, missing), 2);
    assert.match(missing.stderr, /no such file/);
  });

  it('a process killed in the middle of writing leaves nothing applied', async () => {
    const file = path.join(dir, 'big.csv');
    const rows = ['username,firstname,surname,email,groups'];
    for (let i = 0; i < 20_000; i++) rows.push(`kill${i},K,L,kill${i}@example.org,`);
    fs.writeFileSync(file, rows.join('\n') + '\n');
    const before = await countPeople(app.store.db);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'import-child.ts'), file],
      { env: { ...process.env, ...db.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Printed after the first slice written, inside the open transaction: kill it there.
      if (stderr.includes('Inside the write transaction')) child.kill('SIGKILL');
    });
    const signal = await exited;
    assert.equal(signal, 'SIGKILL', `the child finished before it was killed: ${stderr}`);
    assert.equal(await countPeople(app.store.db), before, 'nothing of the file was applied');
    // Its report shows the run as interrupted once its heartbeat is old...
    const latest = await app.store.db
      .selectFrom('imports')
      .select('id')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const row = (await findImport(app.store.db, latest.id, false))!;
    assert.equal(row.status, 'running');
    assert.equal(reportOf(row, Date.now() + 5 * 60_000).status, 'interrupted');
    assert.equal(row.phase, 'writing', 'the write had begun');
    // ...and at once after a start on this host, which sees that its process is gone.
    const imports = new CsvImports(app.store, app.core);
    assert.deepEqual(await imports.interruptStoppedRuns(), [latest.id]);
    const report = await imports.get(latest.id);
    assert.equal(report.status, 'interrupted');
    assert.equal(report.applied, false);
    assert.equal(
      report.error?.message,
      'The server stopped during this import; nothing of it was applied. Run it again.',
    );
  });
});
