/** A directory record as the API answers it (flat; never the bind password). */
import type { App } from '../../../app.ts';
import type { DirectoryRecord } from '../../../core/directories.ts';
import type { RunReport } from '../../../core/sync/run.ts';

export async function directoryView(app: App, d: DirectoryRecord) {
  const { accounts, last_run } = await app.core.directories.status(d.id);
  const settings = d.type === 'ldap' ? d.ldap : { mapping: d.scim.mapping };
  return {
    id: d.id,
    type: d.type,
    name: d.name,
    ...settings,
    has_bind_password: d.has_bind_password,
    adopt_local_accounts: d.adopt_local_accounts,
    max_block_percent: d.max_block_percent,
    schedule: d.schedule,
    owned_fields: d.owned_fields,
    accounts,
    last_run: last_run
      ? {
          id: last_run.id,
          status: last_run.status,
          dry_run: last_run.dry_run === 1,
          started_at: last_run.started_at,
          finished_at: last_run.finished_at,
        }
      : null,
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

export function runView(base: string, r: RunReport) {
  return { ...r, url: `${base}/directories/${r.directory_id}/runs/${r.id}` };
}
