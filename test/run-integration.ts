/**
 * Runs the integration suite (test/**\/*.test.ts) once on SQLite and once on PostgreSQL,
 * and fails if either fails. GATEHOUSE_TEST_ENGINES=sqlite limits it to one engine. Builds the
 * server (dist/) first when it is stale.
 */
import { spawnSync } from 'node:child_process';
import { ensureServerBuilt } from '../scripts/build.ts';
import { testFiles } from './helpers/files.ts';
import { startTestDirectories } from './helpers/directories.ts';

const engines = (process.env.GATEHOUSE_TEST_ENGINES ?? 'sqlite,postgres')
  .split(',')
  .map((e) => e.trim())
  .filter(Boolean);
const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : testFiles('test');
// The CLI tests run the `gatehouse` launcher, which runs the build in dist/ when it is current:
// build it first, so they test what is deployed.
await ensureServerBuilt();
// The test directories (slapd, Samba AD) start once per run, only when a selected file uses
// them, and reach the test processes through the env (test/helpers/slapd.ts, samba.ts).
let failed = false;
for (const engine of engines) {
  // Fresh directories for each engine's pass: tests name their entries, and a second pass on
  // the same Samba would find them already there.
  const services = await startTestDirectories(files);
  console.log(`\n=== Integration tests on ${engine} (${files.length} files) ===`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
    {
      stdio: 'inherit',
      env: { ...process.env, ...services.env, GATEHOUSE_TEST_DB: engine },
    },
  );
  if (r.status !== 0) {
    failed = true;
    console.log(`=== ${engine}: FAILED ===`);
  }
  await services.stop();
}
process.exit(failed ? 1 : 0);
