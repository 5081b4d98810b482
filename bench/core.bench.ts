/**
 * Creating people through the provisioning core, as CSV imports and directory syncs do:
 * 100,000 new people in one PeopleBatch.apply on a fresh database, per engine; then, on
 * that full database, a re-apply of the same (unchanged) rows and single PeopleService.create
 * calls for comparison.
 */
import { SYSTEM_ACTOR, type Actor } from '../src/core/context.ts';
import { ENGINES, freshBenchDatabase, personRows, usernameOf } from './lib/people.ts';
import { timed } from './lib/stats.ts';
import type { Row } from './lib/types.ts';

export const title = 'Provisioning core: creating people';
export const timeoutMs = 8 * 60_000;

const N = 100_000;
const TARGET_S = { sqlite: 5, postgres: 15 } as const;
/** Single creates: at most this many, or this long, whichever comes first. */
const SINGLE_MAX = 3000;
const SINGLE_SECONDS = 10;

const CSV_ACTOR: Actor = { ...SYSTEM_ACTOR, label: 'bench', gate: 'csv' };

export async function run(log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  for (const engine of ENGINES) {
    const db = await freshBenchDatabase(engine);
    try {
      const input = personRows(N);
      log(`${engine}: applying ${N.toLocaleString('en-GB')} new people in one batch…`);
      const batch = await timed(() =>
        db.app.core.batch.apply(CSV_ACTOR, input, { origin: 'bench' }),
      );
      const s = batch.result.summary;
      if (!batch.result.applied || s.create !== N)
        throw new Error(`${engine}: batch not applied as expected: ${JSON.stringify(s)}`);
      rows.push({
        measure: `${engine}: 100,000 new people, PeopleBatch.apply, fresh database`,
        value: batch.seconds,
        unit: 's',
        target: { op: '<=', value: TARGET_S[engine] },
        note: `${Math.round(N / batch.seconds).toLocaleString('en-GB')} people/s, audited, one transaction (FusionAuth's documented best: 100,000 in 62 s)`,
      });

      log(`${engine}: re-applying the same rows (nothing changes)…`);
      const again = await timed(() =>
        db.app.core.batch.apply(CSV_ACTOR, input, { origin: 'bench' }),
      );
      if (again.result.summary.unchanged !== N)
        throw new Error(
          `${engine}: re-apply changed something: ${JSON.stringify(again.result.summary)}`,
        );
      rows.push({
        measure: `${engine}: re-apply of the same 100,000 rows (all unchanged)`,
        value: again.seconds,
        unit: 's',
      });

      log(`${engine}: single creates through PeopleService.create…`);
      const extra = personRows(SINGLE_MAX, N);
      let made = 0;
      const t0 = performance.now();
      const stopAt = t0 + SINGLE_SECONDS * 1000;
      for (const r of extra) {
        if (performance.now() > stopAt) break;
        await db.app.core.people.create(
          { ...SYSTEM_ACTOR, label: 'bench', gate: 'api' },
          {
            ...r.fields,
            username: r.username,
            firstname: r.fields.firstname ?? '',
            surname: r.fields.surname ?? '',
            email: r.fields.email ?? '',
          },
        );
        made++;
      }
      const perSecond = made / ((performance.now() - t0) / 1000);
      rows.push({
        measure: `${engine}: single PeopleService.create, one after another`,
        value: perSecond,
        unit: 'people/s',
        note: `${made} creates on a database of ${N.toLocaleString('en-GB')}; ${usernameOf(N)}… (one transaction each)`,
      });
    } finally {
      await db.drop();
    }
  }
  return rows;
}
