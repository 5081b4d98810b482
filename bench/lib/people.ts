/**
 * Fresh databases and people for benchmarks: a core-level App on an empty SQLite or
 * PostgreSQL database (as the integration tests make them), and N made-up people as
 * PeopleBatch rows (the shape CSV imports and directory syncs hand to the core).
 */
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/app.ts';
import type { BatchRow } from '../../src/core/people-batch/index.ts';
import { freshDatabase, type FreshDatabase, type TestEngine } from '../../test/helpers/engine.ts';

export type Engine = TestEngine;
/** Both engines, or those named in BENCH_ENGINES (e.g. BENCH_ENGINES=postgres). */
export const ENGINES: Engine[] = (['sqlite', 'postgres'] as const).filter(
  (e) => !process.env.BENCH_ENGINES || process.env.BENCH_ENGINES.split(',').includes(e),
);

const FIRST = [
  'Anna',
  'Ben',
  'Chloe',
  'David',
  'Emma',
  'Farid',
  'Grace',
  'Hugo',
  'Isla',
  'Jack',
  'Kemi',
  'Liam',
  'Maya',
  'Noah',
  'Olivia',
  'Priya',
  'Quentin',
  'Rosa',
  'Sam',
  'Tariq',
  'Uma',
  'Victor',
  'Wen',
  'Xavier',
  'Yara',
  'Zoe',
  'Aiko',
  'Bruno',
  'Carmen',
  'Dmitri',
];
const SURNAMES = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Johnson',
  'Davies',
  'Patel',
  'Robinson',
  'Wright',
  'Thompson',
  'Evans',
  'Walker',
  'White',
  'Roberts',
  'Green',
  'Hall',
  'Wood',
  'Jackson',
  'Clarke',
  'Nguyen',
  'Kowalski',
  'Okafor',
  'Haddad',
  'Garcia',
  'Müller',
  'Rossi',
  'Dubois',
  'Larsen',
  'Tanaka',
  'Silva',
  'Novak',
  'Ahmed',
  'Murphy',
  'Kelly',
  "O'Brien",
  'Fischer',
  'Moreau',
  'Bianchi',
];
const DEPARTMENTS = [
  'Finance',
  'Sales',
  'Marketing',
  'Engineering',
  'Support',
  'Legal',
  'Human Resources',
  'Operations',
  'Research',
  'Facilities',
  'Procurement',
  'Communications',
];

/** Username of the i-th made-up person: "user000042". */
export const usernameOf = (i: number) => `user${String(i).padStart(6, '0')}`;

/** N people as batch rows (no passwords, no groups): what a CSV file of new people gives. */
export function personRows(n: number, from = 0): BatchRow[] {
  const rows: BatchRow[] = [];
  for (let i = from; i < from + n; i++) {
    const firstname = FIRST[i % FIRST.length]!;
    const surname = SURNAMES[Math.floor(i / FIRST.length) % SURNAMES.length]!;
    rows.push({
      row: i + 2, // as in a CSV file with a header line
      username: usernameOf(i),
      fields: {
        firstname,
        surname,
        email: `${usernameOf(i)}@example.org`,
        job_title: i % 10 === 0 ? 'Manager' : 'Officer',
        department: DEPARTMENTS[i % DEPARTMENTS.length]!,
        office: `Office ${i % 20}`,
      },
    });
  }
  return rows;
}

export interface BenchDatabase {
  engine: Engine;
  app: App;
  /** Environment that points a server at the same database. */
  env: Record<string, string>;
  /** Closes the App (keeps the data). */
  closeApp(): Promise<void>;
  /** Closes the App if open and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, empty, migrated database and an App on it. */
export async function freshBenchDatabase(engine: Engine): Promise<BenchDatabase> {
  const db: FreshDatabase = await freshDatabase(engine);
  const env: Record<string, string> = { ...db.env };
  const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...env }));
  let open = true;
  const closeApp = async () => {
    if (open) await app.close();
    open = false;
  };
  return {
    engine,
    app,
    env,
    closeApp,
    async drop() {
      await closeApp();
      await db.drop();
    },
  };
}
