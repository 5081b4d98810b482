/**
 * Creating people through the provisioning core, as CSV imports and directory syncs do:
 * 100,000 new people in one PeopleBatch.apply on a copy of a migrated database, against the
 * raw insert of the same rows (people and their audit events) into another copy, in
 * alternating runs; then, on that full database, a re-apply of the same (unchanged) rows and
 * single PeopleService.create calls, as information.
 * BENCH_QUICK=1: 20,000 people instead of 100,000.
 */
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app.ts';
import { SYSTEM_ACTOR, type Actor } from '../src/core/context.ts';
import { ownCpuMs } from './lib/alternate.ts';
import { ENGINES, personRows, usernameOf } from './lib/people.ts';
import {
  capturedWrites,
  describeWritten,
  rawInsert,
  templateDatabase,
  type Written,
} from './lib/raw-insert.ts';
import { timed } from './lib/stats.ts';
import { ratioRow, type RatioRow } from './lib/types.ts';

export const title = 'Provisioning core: creating people';
export const timeoutMs = 8 * 60_000;

const N = process.env.BENCH_QUICK ? 20_000 : 100_000;
/** Product and raw runs, alternating. */
const ROUNDS = 2;
const SINGLE_MAX = 3000;
const SINGLE_SECONDS = 5;

const CSV_ACTOR: Actor = { ...SYSTEM_ACTOR, label: 'bench', gate: 'csv' };
const n = N.toLocaleString('en-GB');

export async function run(log: (line: string) => void): Promise<RatioRow[]> {
  const rows: RatioRow[] = [];
  for (const engine of ENGINES) {
    const template = await templateDatabase(engine);
    try {
      const input = personRows(N);
      const product: { s: number; cpu: number }[] = [];
      const raw: { s: number; cpu: number }[] = [];
      let written: Written | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        log(`${engine}: round ${round + 1}: ${n} new people in one batch…`);
        const copy = await template.copy();
        const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...copy.env }));
        try {
          const cpu0 = ownCpuMs();
          const batch = await timed(() =>
            app.core.batch.apply(CSV_ACTOR, input, { origin: 'bench' }),
          );
          product.push({ s: batch.seconds, cpu: ownCpuMs() - cpu0 });
          if (!batch.result.applied || batch.result.summary.create !== N)
            throw new Error(
              `${engine}: batch not applied: ${JSON.stringify(batch.result.summary)}`,
            );
          if (round === ROUNDS - 1) {
            log(`${engine}: re-applying the same rows (nothing changes), single creates…`);
            rows.push(...(await extras(engine, app)));
          }
        } finally {
          await app.close();
        }
        if (!written) {
          const empty = await template.copy();
          written = await capturedWrites(empty, copy);
          await empty.drop();
        }
        await copy.drop();
        log(`${engine}: round ${round + 1}: the raw insert (${describeWritten(written)})…`);
        const target = await template.copy();
        const cpu0 = ownCpuMs();
        raw.push({ s: await rawInsert(target, written), cpu: ownCpuMs() - cpu0 });
        await target.drop();
      }
      const sum = (xs: { s: number }[]) => xs.reduce((a, x) => a + x.s, 0);
      const cpu = (xs: { cpu: number }[]) => xs.reduce((a, x) => a + x.cpu, 0) / (xs.length * N);
      rows.splice(
        rows.length - 2, // before this engine's two information rows (extras)
        0,
        ratioRow({
          figure: `${n} new people, PeopleBatch.apply vs raw insert`,
          engine,
          product: sum(product) / ROUNDS,
          baseline: sum(raw) / ROUNDS,
          unit: 's',
          // Information: the write targets are on the CSV import (csv.bench.ts).
          cpuPerOp: { product: cpu(product), baseline: cpu(raw) },
          note: `runs: product ${product.map((x) => x.s.toFixed(2)).join(', ')} s, raw ${raw.map((x) => x.s.toFixed(2)).join(', ')} s; CPU of the bench process per person${engine === 'postgres' ? ' (PostgreSQL server CPU not counted)' : ''}`,
        }),
      );
    } finally {
      await template.drop();
    }
  }
  return rows;
}

/** A re-apply (all unchanged) and single creates, on the database the batch filled. */
async function extras(
  engine: string,
  app: Awaited<ReturnType<typeof createApp>>,
): Promise<RatioRow[]> {
  const input = personRows(N);
  const again = await timed(() => app.core.batch.apply(CSV_ACTOR, input, { origin: 'bench' }));
  if (again.result.summary.unchanged !== N)
    throw new Error(
      `${engine}: re-apply changed something: ${JSON.stringify(again.result.summary)}`,
    );
  let made = 0;
  const t0 = performance.now();
  for (const r of personRows(SINGLE_MAX, N)) {
    if (performance.now() > t0 + SINGLE_SECONDS * 1000) break;
    await app.core.people.create(
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
  return [
    ratioRow({
      figure: `re-apply of the same ${n} rows (all unchanged)`,
      engine,
      product: again.seconds,
      baseline: null,
      unit: 's',
    }),
    ratioRow({
      figure: 'single PeopleService.create, one after another',
      engine,
      product: made / ((performance.now() - t0) / 1000),
      baseline: null,
      unit: 'people/s',
      note: `${made} creates on a database of ${n}; ${usernameOf(N)}… (one transaction each)`,
    }),
  ];
}
