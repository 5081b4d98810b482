#!/usr/bin/env node
// The `gatehouse` command. It runs the built CLI (dist/cli.js, made by `npm run build` or
// `npm start`) when that build is current, and otherwise the TypeScript sources through tsx's
// loader, so a command never runs code older than src/. One process (no child): signals,
// stdin and the exit code are the command's own.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SERVER_DIST, serverIsStale } from '../scripts/freshness.js';

if (serverIsStale()) {
  const { register } = await import('tsx/esm/api');
  // Pinned to Gatehouse's own tsconfig, whatever the current directory is.
  register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
  const { runProcess } = await import('../src/cli/main.ts');
  await runProcess();
} else {
  const { runProcess } = await import(pathToFileURL(path.join(SERVER_DIST, 'cli.js')).href);
  await runProcess();
}
