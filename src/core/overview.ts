/**
 * The provisioning overview: which ways in this site uses and how many accounts came by
 * each. The original product asks every site to write this down by hand; here it is read
 * from the data, so the record cannot drift from what the site really does.
 */
import type { Store } from '../store/database.ts';
import {
  apiKeyCounts,
  countPeopleBy,
  countPeopleByDirectory,
  csvImportCounts,
  identityProvidersWithAccounts,
  peopleByOrigin,
} from '../store/overview-repo.ts';
import type { DirectoryRunRow } from '../store/schema.ts';
import type { DirectoriesService } from './directories.ts';
import type { Schedule } from './sync/directory-config.ts';

export const ORIGINS = ['console', 'csv', 'api', 'cli', 'ldap', 'scim', 'sso', 'system'] as const;
const API_KEY_RECENT_DAYS = 30;

export interface ProvisioningOverview {
  generated_at: string;
  total: number;
  local: number;
  synced: number;
  by_origin: {
    origin: string;
    count: number;
    first_created_at: string | null;
    last_created_at: string | null;
  }[];
  by_password_authority: { authority: string; count: number }[];
  by_state: { state: string; count: number }[];
  ways_in: {
    manual: { in_use: boolean; accounts: number };
    csv: {
      in_use: boolean;
      accounts: number;
      imports_applied: number;
      last_import_at: string | null;
    };
    api: {
      in_use: boolean;
      accounts: number;
      keys_active: number;
      keys_used_recently: number;
      recent_days: number;
    };
    directories: {
      in_use: boolean;
      list: {
        id: number;
        name: string;
        kind: string;
        accounts: number;
        owned_fields: string[];
        /** Off (null), every N minutes or daily at a UTC time. */
        schedule: Schedule;
        /** The latest run (dry runs included), for "when did it last sync, and how did it go". */
        last_run: {
          id: number;
          status: string;
          dry_run: boolean;
          started_at: string;
          finished_at: string | null;
        } | null;
      }[];
    };
    sso: {
      in_use: boolean;
      /** Each IdP with the original product's three provisioning options, and what it made. */
      identity_providers: {
        id: number;
        name: string;
        protocol: string;
        enabled: boolean;
        provision_on_first_login: boolean;
        not_found_redirect_url: string | null;
        provision_even_if_directories: boolean;
        /** Accounts it provisioned at first login (origin sso, this IdP as the source). */
        accounts: number;
      }[];
    };
  };
}

export class OverviewService {
  constructor(
    private readonly store: Store,
    private readonly directories: DirectoriesService,
  ) {}

  async get(now = new Date()): Promise<ProvisioningOverview> {
    const db = this.store.db;
    const since = new Date(now.getTime() - API_KEY_RECENT_DAYS * 86_400_000).toISOString();
    const [origins, authorities, states, perDirectory, keys, imports, directories, idps] =
      await Promise.all([
        peopleByOrigin(db),
        countPeopleBy(db, 'password_authority'),
        countPeopleBy(db, 'state'),
        countPeopleByDirectory(db),
        apiKeyCounts(db, now.toISOString(), since),
        csvImportCounts(db),
        this.directories.list(),
        identityProvidersWithAccounts(db),
      ]);
    const [records, lastRuns] = await Promise.all([
      this.directories.records(),
      Promise.all(directories.map((d) => this.directories.status(d.id))),
    ]);
    const scheduleOf = new Map(records.map((r) => [r.id, r.schedule]));
    const byOrigin = new Map(origins.map((o) => [o.origin, o]));
    const count = (o: string) => byOrigin.get(o)?.count ?? 0;
    const accountsIn = new Map(perDirectory.map((d) => [d.directoryId, d.count]));
    const total = origins.reduce((n, o) => n + o.count, 0);
    const local = accountsIn.get(null) ?? 0;
    const manual = count('console') + count('cli');
    return {
      generated_at: now.toISOString(),
      total,
      local,
      synced: total - local,
      by_origin: ORIGINS.map((origin) => ({
        origin,
        count: count(origin),
        first_created_at: byOrigin.get(origin)?.first ?? null,
        last_created_at: byOrigin.get(origin)?.last ?? null,
      })),
      by_password_authority: ['local', 'directory', 'idp'].map((authority) => ({
        authority,
        count: authorities.find((a) => a.key === authority)?.count ?? 0,
      })),
      by_state: ['active', 'blocked', 'frozen'].map((state) => ({
        state,
        count: states.find((s) => s.key === state)?.count ?? 0,
      })),
      ways_in: {
        manual: { in_use: manual > 0, accounts: manual },
        csv: {
          in_use: count('csv') > 0 || imports.applied > 0,
          accounts: count('csv'),
          imports_applied: imports.applied,
          last_import_at: imports.lastAt,
        },
        api: {
          in_use: count('api') > 0 || keys.usedSince > 0,
          accounts: count('api'),
          keys_active: keys.active,
          keys_used_recently: keys.usedSince,
          recent_days: API_KEY_RECENT_DAYS,
        },
        directories: {
          in_use: directories.length > 0,
          list: directories.map((d, i) => ({
            id: d.id,
            name: d.name,
            kind: d.kind,
            accounts: accountsIn.get(d.id) ?? 0,
            owned_fields: d.owned_fields,
            schedule: scheduleOf.get(d.id) ?? null,
            last_run: lastRunView(lastRuns[i]?.last_run),
          })),
        },
        sso: {
          in_use: count('sso') > 0 || idps.some((p) => p.enabled),
          identity_providers: idps.map(({ type, ...p }) => ({ ...p, protocol: type })),
        },
      },
    };
  }
}

function lastRunView(r: DirectoryRunRow | undefined) {
  if (!r) return null;
  return {
    id: r.id,
    status: r.status,
    dry_run: r.dry_run === 1,
    started_at: r.started_at,
    finished_at: r.finished_at,
  };
}
