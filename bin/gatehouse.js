#!/usr/bin/env node
// The `gatehouse` command. Gatehouse runs its TypeScript sources directly (there is no build
// step), so this launcher registers tsx's loader in this same process and imports the CLI.
// One process (no child): signals, stdin and the exit code are the command's own.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// Pinned to Gatehouse's own tsconfig, whatever the current directory is.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { runProcess } = await import('../src/cli/main.ts');
await runProcess();
