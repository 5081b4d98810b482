/**
 * What the user-directory pages share: the API's shapes, the list query, and the words for
 * schedules, run statuses and entry actions.
 */
import { Badge } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { call, client } from '../api/client';
import type { components, paths } from '../api/schema';
import { formatDateTime } from '../words';

export type Directory = components['schemas']['Directory'];
export type SyncRun = components['schemas']['SyncRun'];
export type Schedule = Directory['schedule'];
export type TestResult =
  paths['/api/people/v2/directories/{id}/test']['post']['responses'][200]['content']['application/json'];
export type RunWithItems =
  paths['/api/people/v2/directories/{id}/runs/{run_id}']['get']['responses'][200]['content']['application/json'];
export type RunItem = RunWithItems['items']['data'][number];

export function useDirectories() {
  return useQuery({
    queryKey: ['directories'],
    queryFn: () => call(client.GET('/api/people/v2/directories')),
  });
}

export function useDirectory(id: number) {
  return useQuery({
    queryKey: ['directories', id],
    queryFn: () =>
      call(client.GET('/api/people/v2/directories/{id}', { params: { path: { id } } })),
  });
}

/** "Every 30 minutes", "Daily at 02:30 UTC", "Off (runs only when started)". */
export function scheduleSentence(s: Schedule): string {
  if (!s) return 'Off (runs only when started)';
  if ('every_minutes' in s)
    return s.every_minutes === 60 ? 'Every hour' : `Every ${s.every_minutes} minutes`;
  return `Daily at ${s.daily_at} UTC`;
}

export const STATUS_LABEL: Record<SyncRun['status'], string> = {
  running: 'Running',
  completed: 'Completed',
  stopped: 'Stopped by the safety rule',
  failed: 'Failed',
  interrupted: 'Interrupted',
};
const STATUS_COLOR: Record<SyncRun['status'], string> = {
  running: 'blue',
  completed: 'teal',
  stopped: 'orange',
  failed: 'red',
  interrupted: 'gray',
};

export function RunStatus({ status, dryRun }: { status: string; dryRun: boolean }) {
  const s = status as SyncRun['status'];
  return (
    <Badge variant="light" color={STATUS_COLOR[s] ?? 'gray'}>
      {STATUS_LABEL[s] ?? status}
      {dryRun ? ' · dry run' : ''}
    </Badge>
  );
}

/** The report's counts, in the order an administrator reads them. */
export const COUNT_KEYS = [
  'created',
  'adopted',
  'updated',
  'renamed',
  'blocked',
  'reactivated',
  'unchanged',
  'errors',
] as const;
export type CountKey = (typeof COUNT_KEYS)[number];

export const COUNT_LABEL: Record<CountKey, string> = {
  created: 'Created',
  adopted: 'Adopted',
  updated: 'Updated',
  renamed: 'Renamed',
  blocked: 'Blocked',
  reactivated: 'Reactivated',
  unchanged: 'Unchanged',
  errors: 'Errors',
};
/** What the same counts mean before anything is written (a dry run). */
export const COUNT_LABEL_DRY: Record<CountKey, string> = {
  created: 'To create',
  adopted: 'To adopt',
  updated: 'To update',
  renamed: 'To rename',
  blocked: 'To block',
  reactivated: 'To reactivate',
  unchanged: 'Unchanged',
  errors: 'Errors',
};
export const COUNT_COLOR: Record<CountKey, string> = {
  created: 'teal',
  adopted: 'cyan',
  updated: 'blue',
  renamed: 'indigo',
  blocked: 'red',
  reactivated: 'green',
  unchanged: 'gray',
  errors: 'red',
};

/** An item's action (as stored per entry) → the count it belongs to. */
export function countOfAction(action: string): CountKey {
  return action === 'error'
    ? 'errors'
    : (((COUNT_KEYS as readonly string[]).includes(action) ? action : 'unchanged') as CountKey);
}

export function lastRunSentence(d: Pick<Directory, 'last_run'>): string {
  const r = d.last_run;
  if (!r) return 'Never synced';
  const status = STATUS_LABEL[r.status as SyncRun['status']] ?? r.status;
  return `${status}${r.dry_run ? ' (dry run)' : ''}, ${formatDateTime(r.finished_at ?? r.started_at)}`;
}
