/** Runs the unit tests that sit beside the code (src/**\/*.test.ts). */
import { spawnSync } from 'node:child_process';
import { testFiles } from './helpers/files.ts';

const files = testFiles('src');
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
