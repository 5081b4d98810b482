/**
 * A profiling aid for the directory sync (not a benchmark: run.ts only runs *.bench.ts).
 * The server as the sync bench runs it, on a fresh slapd of PROFILE_N entries (default
 * 30,000) and a fresh copy of one migrated database (PROFILE_ENGINE, default sqlite): a full
 * run on one server, then the second run (nothing changed) on a second server on the same
 * database, so that a profiler given to one server sees one run alone. PROFILE_RUN (`full`
 * or `second`, default `second`) names the run that gets PROFILE_FLAGS (default
 * `--cpu-prof`; e.g. `--heap-prof`), written to PROFILE_DIR (default a new folder under
 * /tmp). The server's RSS is sampled every 100 ms through each run, and a CPU profile's
 * heaviest functions by self time are printed.
 *
 *   npx tsx bench/profile-sync.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAdministrator } from '../src/bootstrap.ts';
import { SYSTEM_ACTOR } from '../src/core/context.ts';
import { createLdapDirectory, timedSync, type TimedSync } from './lib/directory-api.ts';
import type { Engine } from './lib/people.ts';
import { templateDatabase } from './lib/raw-insert.ts';
import { startServer, type BenchServer } from './lib/server.ts';
import { PEOPLE_OU, startLoadedSlapd, type LoadedDirectory } from './ldap-read.ts';

const N = Number(process.env.PROFILE_N ?? 30_000);
const ENGINE = (process.env.PROFILE_ENGINE ?? 'sqlite') as Engine;
const PROFILED = process.env.PROFILE_RUN === 'full' ? 'full' : 'second';
const FLAGS = (process.env.PROFILE_FLAGS ?? '--cpu-prof').split(/\s+/).filter(Boolean);
const PROFILING = FLAGS.some((f) => f === '--cpu-prof' || f === '--heap-prof');
// A folder only when a profiler writes into it.
const DIR =
  process.env.PROFILE_DIR ??
  (PROFILING ? fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-prof-')) : '');
const SECRET = { GATEHOUSE_SECRET_KEY: 'b5'.repeat(32) };

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The heaviest functions of a .cpuprofile by self time. */
function topSelf(file: string, top = 30): string[] {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    if (!n) return;
    total += dt;
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${path.basename(f.url)}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `total ${total.toFixed(0)} ms sampled`,
    ...rows.map(([k, ms]) => `${ms.toFixed(0).padStart(7)} ms  ${k}`),
  ];
}

/** One run with the server's RSS sampled through it. */
async function sampledRun(server: BenchServer, key: string, id: number) {
  let peak = 0;
  const samples: number[] = [];
  const timer = setInterval(() => {
    const mb = server.rssMb();
    samples.push(mb);
    peak = Math.max(peak, mb);
  }, 100);
  let r: TimedSync;
  try {
    r = await timedSync(server, key, id);
  } finally {
    clearInterval(timer);
  }
  return { r, peak, hwm: server.peakRssMb(), samples };
}

async function main(): Promise<void> {
  // Each profiler's folder flag is refused without its profiler.
  const dirFlags = ['--cpu-prof', '--heap-prof']
    .filter((f) => FLAGS.includes(f))
    .map((f) => `${f}-dir=${DIR}`);
  let key = '';
  const template = await templateDatabase(ENGINE, async (app) => {
    const adminId = await createAdministrator(app, SYSTEM_ACTOR, 'benchadmin', 'bench-pass-1');
    key = (await app.apiKeys.create(SYSTEM_ACTOR, adminId, 'bench', null)).key;
  });
  let dir: LoadedDirectory | undefined;
  try {
    dir = await startLoadedSlapd(N);
    const copy = await template.copy();
    try {
      let id = 0;
      for (const run of ['full', 'second'] as const) {
        const server = await startServer(
          { ...copy.env, ...SECRET },
          run === PROFILED ? { nodeArgs: [...FLAGS, ...dirFlags] } : {},
        );
        try {
          if (id === 0)
            id = await createLdapDirectory(server, key, {
              name: 'Profile OpenLDAP',
              url: dir.conn.url,
              bind_dn: dir.conn.bindDn,
              bind_password: dir.conn.bindPassword,
              base_dn: PEOPLE_OU,
            });
          const s = await sampledRun(server, key, id);
          const every = Math.max(1, Math.floor(s.samples.length / 12));
          console.log(
            `${run}: ${s.r.seconds.toFixed(2)} s, server CPU ${(s.r.cpuMs / N).toFixed(3)} ms/entry, counts ${JSON.stringify(s.r.report.counts)}; RSS peak sampled ${s.peak.toFixed(0)} MB, VmHWM ${s.hwm.toFixed(0)} MB; RSS over the run: ${s.samples
              .filter((_, i) => i % every === 0)
              .map((x) => x.toFixed(0))
              .join(' ')}`,
          );
        } finally {
          await server.stop();
        }
      }
    } finally {
      await copy.drop();
    }
  } finally {
    await dir?.server.stop();
    await template.drop();
  }
  if (DIR === '') return;
  for (const f of fs.readdirSync(DIR).filter((f) => f.endsWith('.cpuprofile')))
    console.log([`${path.join(DIR, f)}:`, ...topSelf(path.join(DIR, f))].join('\n'));
  console.log(`profiles in ${DIR}`);
}

await main();
