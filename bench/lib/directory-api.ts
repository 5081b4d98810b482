/**
 * User directories driven over the People API of a running bench server, as an administrator
 * would: add an LDAP directory, run a sync and wait for its report. The sync is started with
 * ?async=true and its run polled, because a run of 100,000 entries can outlast the HTTP
 * client's own header timeout (fetch gives up after 300 s without an answer).
 */
import { processCpuMs } from './alternate.ts';
import type { BenchServer } from './server.ts';

const API = '/api/people/v2';
/** Poll interval: short beside the runs measured (seconds), cheap for the server. */
const POLL_MS = 100;

export interface SyncCounts {
  created: number;
  updated: number;
  adopted: number;
  renamed: number;
  blocked: number;
  reactivated: number;
  unchanged: number;
  errors: number;
}

export interface SyncReport {
  id: number;
  status: string;
  mode: string;
  counts: SyncCounts;
  stop_reason: string | null;
}

export interface TimedSync {
  report: SyncReport;
  /** From sending the POST to seeing the finished run. */
  seconds: number;
  /** CPU time of the server process over the same span. */
  cpuMs: number;
}

async function call<T>(
  server: BenchServer,
  key: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(server.url + API + p, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 500)}`);
  return { status: res.status, body: JSON.parse(text) as T };
}

export interface LdapDirectoryBody {
  name: string;
  url: string;
  bind_dn: string;
  bind_password: string;
  base_dn: string;
}

/** An OpenLDAP directory with the preset's filter, attributes and mapping; its id. */
export async function createLdapDirectory(
  server: BenchServer,
  key: string,
  d: LdapDirectoryBody,
): Promise<number> {
  const r = await call<{ id: number }>(server, key, 'POST', '/directories', {
    type: 'ldap',
    preset: 'openldap',
    ...d,
  });
  return r.body.id;
}

/** Runs a sync of the directory and waits for it to finish; throws unless it completed cleanly. */
export async function timedSync(
  server: BenchServer,
  key: string,
  directoryId: number,
  body: { mode?: 'full' | 'incremental' } = {},
): Promise<TimedSync> {
  const cpu0 = processCpuMs(server.pid);
  const t0 = performance.now();
  const started = await call<SyncReport>(
    server,
    key,
    'POST',
    `/directories/${directoryId}/sync?async=true`,
    body,
  );
  let report = started.body;
  while (report.status === 'running') {
    await new Promise((r) => setTimeout(r, POLL_MS));
    report = (
      await call<SyncReport>(
        server,
        key,
        'GET',
        `/directories/${directoryId}/runs/${report.id}?limit=1`,
      )
    ).body;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuMs = processCpuMs(server.pid) - cpu0;
  if (report.status !== 'completed' || report.counts.errors > 0) {
    const first = await call<{ items: { data: unknown[] } }>(
      server,
      key,
      'GET',
      `/directories/${directoryId}/runs/${report.id}?limit=3&action=error`,
    );
    throw new Error(
      `sync run ${report.id} ended ${report.status} (${JSON.stringify(report.counts)}): ${report.stop_reason ?? ''} First errors: ${JSON.stringify(first.body.items.data)}`,
    );
  }
  return { report, seconds, cpuMs };
}
