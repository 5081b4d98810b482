/**
 * An A/B aid for the sync's second run (not a benchmark: run.ts only runs *.bench.ts). Two
 * sides alternate: AB_DISTS="dirA,dirB" (built server folders inside this checkout, so that
 * node_modules resolves: e.g. a copy of dist/ made before a change, and dist) and/or
 * AB_FLAGS="node flags of A;node flags of B" (instead of npm start's). A full run of AB_N
 * entries (default 30,000) fills one database once; each round reads the directory alone in
 * this process, then starts each side's server in turn and times AB_RUNS second runs
 * (nothing changed) on it. AB_AFTER_FULL=1: each side's server first makes its own full run on
 * a fresh copy, as the sync bench's rounds do, so its second runs start from the heap a full
 * run leaves (that state is what npm start's --no-allocation-site-pretenuring is for).
 * Printed per run: wall seconds, the server's CPU ms an entry, the wall ratio to the read.
 *
 *   AB_N=100000 AB_AFTER_FULL=1 AB_DISTS=dist,dist \
 *     AB_FLAGS="--max-old-space-size=256;--max-old-space-size=256 --no-allocation-site-pretenuring" \
 *     AB_ENGINE=postgres npx tsx bench/ab-sync.ts
 */
import os from 'node:os';
import path from 'node:path';
import { createAdministrator } from '../src/bootstrap.ts';
import { SYSTEM_ACTOR } from '../src/core/context.ts';
import { ownCpuMs } from './lib/alternate.ts';
import { createLdapDirectory, timedSync } from './lib/directory-api.ts';
import type { Engine } from './lib/people.ts';
import { templateDatabase } from './lib/raw-insert.ts';
import { serverNodeFlags, startServer, type BenchServer } from './lib/server.ts';
import { PEOPLE_OU, readEntries, startLoadedSlapd } from './ldap-read.ts';

const N = Number(process.env.AB_N ?? 30_000);
const ENGINE = (process.env.AB_ENGINE ?? 'sqlite') as Engine;
const ROUNDS = Number(process.env.AB_ROUNDS ?? 3);
const RUNS = Number(process.env.AB_RUNS ?? 2);
const AFTER_FULL = process.env.AB_AFTER_FULL === '1';
const DISTS = (process.env.AB_DISTS ?? 'dist').split(',').map((d) => path.resolve(d));
// AB_FLAGS="flags of A;flags of B": node flags per side instead of npm start's.
const FLAGS = process.env.AB_FLAGS?.split(';').map((f) => f.split(/\s+/).filter(Boolean));
const SECRET = { GATEHOUSE_SECRET_KEY: 'b5'.repeat(32) };

const side = (k: number) =>
  `${path.basename(DISTS[k]!)}${FLAGS ? ` [${FLAGS[k]?.join(' ')}]` : ''}`;
const load1 = () => os.loadavg()[0]!.toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  let key = '';
  const template = await templateDatabase(ENGINE, async (app) => {
    const adminId = await createAdministrator(app, SYSTEM_ACTOR, 'benchadmin', 'bench-pass-1');
    key = (await app.apiKeys.create(SYSTEM_ACTOR, adminId, 'bench', null)).key;
  });
  const dir = await startLoadedSlapd(N);
  const copy = await template.copy();
  const serverOf = (k: number, env = copy.env) =>
    startServer(
      { ...env, ...SECRET },
      { command: [...(FLAGS?.[k] ?? serverNodeFlags()), path.join(DISTS[k]!, 'main.js')] },
    );
  const createDirectory = (server: BenchServer) =>
    createLdapDirectory(server, key, {
      name: 'AB OpenLDAP',
      url: dir.conn.url,
      bind_dn: dir.conn.bindDn,
      bind_password: dir.conn.bindPassword,
      base_dn: PEOPLE_OU,
    });
  const cpu: number[][] = DISTS.map(() => []);
  const ratios: number[][] = DISTS.map(() => []);
  try {
    let id = 0;
    {
      const server = await serverOf(0);
      try {
        id = await createDirectory(server);
        const full = await timedSync(server, key, id);
        console.log(
          `full run ${full.seconds.toFixed(2)} s (${full.report.counts.created} created)`,
        );
      } finally {
        await server.stop();
      }
    }
    await readEntries(dir.conn, dir.search); // warm-up of this process's reader
    for (let round = 0; round < ROUNDS; round++) {
      const c0 = ownCpuMs();
      const read = await readEntries(dir.conn, dir.search);
      const readCpu = (ownCpuMs() - c0) / N;
      const readS = read.ms / 1000;
      console.log(
        `round ${round + 1} (load ${load1()}): read ${readS.toFixed(2)} s, ${readCpu.toFixed(3)} ms/entry`,
      );
      for (const k of DISTS.keys()) {
        // AB_AFTER_FULL: each server makes its own full run first on a fresh copy, as the
        // sync bench's rounds do, so its second runs start from the heap a full run leaves.
        const own = AFTER_FULL ? await template.copy() : undefined;
        const server = await serverOf(k, own?.env);
        let dirId = id;
        try {
          if (own) {
            dirId = await createDirectory(server);
            await timedSync(server, key, dirId);
          }
          for (let r = 0; r < RUNS; r++) {
            const s = await timedSync(server, key, dirId);
            if (s.report.counts.unchanged !== N)
              throw new Error(`second run left ${s.report.counts.unchanged} unchanged, not ${N}`);
            cpu[k]!.push(s.cpuMs / N);
            ratios[k]!.push(s.seconds / readS);
            console.log(
              `  ${side(k)} run ${r + 1}: ${s.seconds.toFixed(2)} s, ${(s.cpuMs / N).toFixed(3)} ms/entry, ${(s.seconds / readS).toFixed(2)} × read`,
            );
          }
        } finally {
          await server.stop();
          await own?.drop();
        }
      }
    }
    for (const k of DISTS.keys())
      console.log(
        `${side(k)}: median CPU ${median(cpu[k]!).toFixed(3)} ms/entry, median ratio ${median(ratios[k]!).toFixed(2)} ×`,
      );
  } finally {
    await copy.drop();
    await dir.server.stop();
    await template.drop();
  }
}

await main();
