/**
 * Starts the run's test directories for test/run-integration.ts: slapd when a selected file
 * imports helpers/slapd.ts, Samba AD when one imports helpers/samba.ts (its provisioning
 * takes about 20 s, so runs that do not need it do not pay for it).
 */
import fs from 'node:fs';
import { slapdEnv, startSlapd } from './slapd.ts';
import { sambaEnv, startSamba } from './samba.ts';

export async function startTestDirectories(
  files: string[],
): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const uses = (helper: string): boolean =>
    files.some((f) => fs.readFileSync(f, 'utf8').includes(`helpers/${helper}`));
  const env: Record<string, string> = {};
  const stops: (() => Promise<void>)[] = [];
  if (uses('slapd')) {
    const s = await startSlapd();
    Object.assign(env, slapdEnv(s));
    stops.push(() => s.stop());
  }
  if (uses('samba')) {
    const started = Date.now();
    const s = await startSamba();
    console.log(
      `Samba AD test directory ready at ${s.url} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    Object.assign(env, sambaEnv(s));
    stops.push(() => s.stop());
  }
  return {
    env,
    stop: async () => {
      for (const stop of stops) await stop().catch(() => undefined);
    },
  };
}
