/**
 * The LDAP gate's entry points for the API, the CLI and the schedule: run a sync of a
 * directory (its entries read here, the rules applied by the core), and test a connection.
 */
import type { App } from '../../app.ts';
import type { Actor } from '../../core/context.ts';
import type { RunReport } from '../../core/sync/run.ts';
import { ldapEntrySource, ldapTarget } from './directory.ts';
import { testConnection } from './search.ts';
import { LdapError } from './types.ts';

export interface StartedSync {
  /** Resolves with the run's id as soon as it is recorded. */
  started: Promise<number>;
  done: Promise<RunReport>;
}

export async function startSync(
  app: App,
  directoryId: number,
  requester: Actor,
  opts: {
    dryRun: boolean;
    confirmMassBlock: boolean;
    mode?: 'full' | 'incremental';
    /** Member ranges of this size in the group read (tests: Samba does not force ranges). */
    groupRangeStep?: number;
    onProgress?: (phase: string, done: number, total: number) => void;
  },
  trigger: 'manual' | 'schedule',
): Promise<StartedSync> {
  const target = await ldapTarget(app.core, directoryId);
  const actor: Actor = {
    ...requester,
    label:
      requester.personId === null
        ? `directory:${target.directory.name}`
        : `directory:${target.directory.name} (run by ${requester.label})`,
    gate: 'ldap',
    directoryId,
  };
  let resolveStarted: (id: number) => void = () => undefined;
  let rejectStarted: (e: unknown) => void = () => undefined;
  const started = new Promise<number>((res, rej) => {
    resolveStarted = res;
    rejectStarted = rej;
  });
  const done = app.core.syncRunner
    .run(actor, target.directory, ldapEntrySource(target, opts), {
      ...opts,
      trigger,
      onStarted: resolveStarted,
    })
    .catch((err: unknown) => {
      rejectStarted(err);
      throw err;
    });
  // A caller that awaits only `done` must not see `started` reject unhandled.
  started.catch(() => undefined);
  return { started, done };
}

export async function testDirectory(app: App, directoryId: number) {
  const t = await ldapTarget(app.core, directoryId);
  try {
    const r = await testConnection(t.conn, t.search, { mapping: t.settings.mapping });
    return {
      ok: true,
      error: null,
      entries_seen: r.entriesSeen,
      missing_attributes: r.missingAttributes,
      sample: r.sample.map((m) => ({
        dn: m.dn,
        external_id: m.externalId,
        username: m.username,
        active: m.active,
        fields: {
          ...m.fields,
          ...Object.fromEntries(Object.entries(m.profile).map(([k, v]) => [`profile.${k}`, v])),
        },
        manager_dn: m.manager ? m.manager.ref : null,
      })),
    };
  } catch (err) {
    if (!(err instanceof LdapError)) throw err;
    return {
      ok: false,
      error: { type: `ldap_${err.kind}`, message: err.message },
      entries_seen: 0,
      missing_attributes: [],
      sample: [],
    };
  }
}
