/**
 * User directories (an LDAP connection, a SCIM connection) as a resource, and external
 * identity links. The sync gates build on these; the core enforces what a directory owns.
 * A directory owns `username` and every field its mapping fills, besides state and password.
 */
import type { Store } from '../store/database.ts';
import {
  deleteDirectoryRow,
  findDirectory,
  insertDirectory,
  insertDirectoryRow,
  listDirectories,
  updateDirectoryRow,
  type DirectoryColumns,
} from '../store/directory-repo.ts';
import { findPerson } from '../store/people-repo.ts';
import { identitiesOfPerson, insertIdentity, personForIdentity } from '../store/identity-repo.ts';
import { countOwnedBy, lastRunOf } from '../store/sync-repo.ts';
import type { DirectoryRow, DirectoryRunRow } from '../store/schema.ts';
import { diff, recordAudit } from '../audit/record.ts';
import { type Actor, nowIso } from './context.ts';
import { GatehouseError, fail, type FieldError } from './errors.ts';
import { OWNABLE_FIELDS } from './person.ts';
import { withUniqueErrors } from './uniqueness.ts';
import {
  checkLdapSettings,
  checkMapping,
  checkSchedule,
  type LdapDirectorySettings,
  type Schedule,
  type ScimDirectorySettings,
} from './sync/directory-config.ts';
import type { ProfileFieldsService } from './profile-fields.ts';
import { releaseAccounts } from './sync/release.ts';
import { directoryProvider } from './sync/types.ts';

export interface Directory {
  id: number;
  name: string;
  kind: string;
  owned_fields: string[];
  created_at: string;
}

/** Seals secrets at rest (src/auth/secrets.ts); the core only asks for these two. */
export interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

export type DirectorySettings =
  { type: 'ldap'; ldap: LdapDirectorySettings } | { type: 'scim'; scim: ScimDirectorySettings };

export type DirectoryRecord = DirectorySettings & {
  id: number;
  name: string;
  has_bind_password: boolean;
  adopt_local_accounts: boolean;
  max_block_percent: number;
  schedule: Schedule;
  owned_fields: string[];
  watermark: string | null;
  created_at: string;
  updated_at: string;
};

export type DirectoryInput = DirectorySettings & {
  name: string;
  bind_password?: string | undefined;
  adopt_local_accounts: boolean;
  max_block_percent: number;
  schedule: Schedule;
};

export type DirectoryPatch = {
  name?: string;
  ldap?: Partial<LdapDirectorySettings>;
  scim?: Partial<ScimDirectorySettings>;
  bind_password?: string;
  adopt_local_accounts?: boolean;
  max_block_percent?: number;
  schedule?: Schedule;
};

function ownedOf(s: DirectorySettings): string[] {
  const mapping = s.type === 'ldap' ? s.ldap.mapping : s.scim.mapping;
  return ['username', ...Object.keys(mapping)];
}

/** The row's columns for a directory's settings (the sealed secret given apart). */
function columnsOf(input: DirectoryInput, sealed: string | null, at: string): DirectoryColumns {
  return {
    name: input.name.trim(),
    kind: input.type,
    owned_fields: JSON.stringify(ownedOf(input)),
    settings: JSON.stringify(input.type === 'ldap' ? input.ldap : input.scim),
    sealed_secret: sealed,
    adopt_local_accounts: input.adopt_local_accounts ? 1 : 0,
    max_block_percent: input.max_block_percent,
    schedule: input.schedule === null ? null : JSON.stringify(input.schedule),
    updated_at: at,
  };
}

export function toRecord(row: DirectoryRow): DirectoryRecord {
  const settings = JSON.parse(row.settings) as Record<string, unknown>;
  const base = {
    id: row.id,
    name: row.name,
    has_bind_password: row.sealed_secret !== null,
    adopt_local_accounts: row.adopt_local_accounts === 1,
    max_block_percent: row.max_block_percent,
    schedule: row.schedule === null ? null : (JSON.parse(row.schedule) as Schedule),
    owned_fields: JSON.parse(row.owned_fields) as string[],
    watermark: row.watermark,
    created_at: row.created_at,
    updated_at: row.updated_at ?? row.created_at,
  };
  return row.kind === 'scim'
    ? { ...base, type: 'scim', scim: settings as unknown as ScimDirectorySettings }
    : { ...base, type: 'ldap', ldap: settings as unknown as LdapDirectorySettings };
}

/** The audit view of a directory: its settings, never its secret. */
function auditOf(r: DirectoryRecord): Record<string, unknown> {
  const { has_bind_password, ...rest } = r;
  return { ...rest, bind_password: has_bind_password ? '[set]' : null };
}

/** How long getRecent() keeps a record: another node's change is seen within this. */
const RECENT_MS = 5_000;

export class DirectoriesService {
  private readonly recent = new Map<number, { record: DirectoryRecord; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly profileFields: ProfileFieldsService,
    private readonly sealer: () => Sealer,
  ) {}

  async list(): Promise<Directory[]> {
    return (await listDirectories(this.store.db)).map((d) => ({
      id: d.id,
      name: d.name,
      kind: d.kind,
      created_at: d.created_at,
      owned_fields: JSON.parse(d.owned_fields) as string[],
    }));
  }

  async records(): Promise<DirectoryRecord[]> {
    return (await listDirectories(this.store.db)).map(toRecord);
  }

  async get(id: number): Promise<DirectoryRecord> {
    const row = await findDirectory(this.store.db, id);
    if (!row) fail('not_found', `No directory has id ${id}.`);
    return toRecord(row);
  }

  /**
   * get() for a push gate's every request (SCIM reads its directory's mapping and rules on
   * each write): kept for a few seconds. A change made here is seen at once (this service
   * forgets the record), one made on another node within RECENT_MS. Not for LDAP runs,
   * whose watermark changes under them.
   */
  async getRecent(id: number): Promise<DirectoryRecord> {
    const hit = this.recent.get(id);
    if (hit && Date.now() - hit.at < RECENT_MS) return hit.record;
    const record = await this.get(id);
    this.recent.set(id, { record, at: Date.now() });
    return record;
  }

  /** Accounts it owns and its last run, for answers and the overview. */
  async status(id: number): Promise<{ accounts: number; last_run: DirectoryRunRow | undefined }> {
    const [accounts, last_run] = await Promise.all([
      countOwnedBy(this.store.db, id),
      lastRunOf(this.store.db, id),
    ]);
    return { accounts, last_run };
  }

  /** The bind password, opened (for the LDAP gate only; never answered). */
  async bindPassword(id: number): Promise<string> {
    const row = await findDirectory(this.store.db, id);
    if (!row) fail('not_found', `No directory has id ${id}.`);
    return row.sealed_secret === null ? '' : this.sealer().open(row.sealed_secret);
  }

  /** Registers a directory by its owned fields alone (tests of the ownership rules use it). */
  async create(
    actor: Actor,
    input: { name: string; kind: 'ldap' | 'scim'; owned_fields: string[] },
  ): Promise<Directory> {
    const allowed = new Set<string>(OWNABLE_FIELDS);
    const bad = input.owned_fields.filter((f) => !allowed.has(f) && !f.startsWith('profile.'));
    if (bad.length > 0)
      throw new GatehouseError('validation_failed', undefined, [
        { field: 'owned_fields', message: `Unknown fields: ${bad.join(', ')}.` },
      ]);
    const at = nowIso();
    const row = await this.store.db.transaction().execute(async (tx) => {
      const d = await insertDirectory(tx, input.name.trim(), input.kind, input.owned_fields, at);
      await recordAudit(tx, actor, {
        action: 'directory.create',
        targetType: 'directory',
        targetId: d.id,
        targetLabel: d.name,
        changes: {
          name: [null, d.name],
          kind: [null, d.kind],
          owned_fields: [null, input.owned_fields],
        },
        at,
      });
      return d;
    });
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      created_at: row.created_at,
      owned_fields: input.owned_fields,
    };
  }

  private async check(input: DirectoryInput): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    if (input.name.trim() === '') errors.push({ field: 'name', message: 'Required.' });
    if (
      !Number.isInteger(input.max_block_percent) ||
      input.max_block_percent < 0 ||
      input.max_block_percent > 100
    )
      errors.push({ field: 'max_block_percent', message: 'Must be a whole number from 0 to 100.' });
    errors.push(...checkSchedule(input.schedule));
    const profile = new Set((await this.profileFields.list()).map((d) => d.name));
    if (input.type === 'ldap') {
      errors.push(...checkLdapSettings(input.ldap));
      errors.push(...checkMapping(input.ldap.mapping, profile));
      if (input.ldap.mapping.username !== undefined)
        errors.push({
          field: 'mapping.username',
          message: 'The username comes from username_attribute; leave it out of the mapping.',
        });
    } else {
      errors.push(...checkMapping(input.scim.mapping, profile, null));
      if (input.schedule !== null)
        errors.push({
          field: 'schedule',
          message: 'A SCIM directory is pushed to by its identity provider: it has no schedule.',
        });
    }
    return errors;
  }

  async createDirectory(actor: Actor, input: DirectoryInput): Promise<DirectoryRecord> {
    const errors = await this.check(input);
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
    const sealed =
      input.bind_password !== undefined && input.bind_password !== ''
        ? this.sealer().seal(input.bind_password)
        : null;
    const at = nowIso();
    const row = await withUniqueErrors(this.store.caps, () =>
      this.store.db.transaction().execute(async (tx) => {
        const d = await insertDirectoryRow(tx, columnsOf(input, sealed, at), at);
        await recordAudit(tx, actor, {
          action: 'directory.create',
          targetType: 'directory',
          targetId: d.id,
          targetLabel: d.name,
          changes: diff(null, auditOf(toRecord(d))),
          at,
        });
        return d;
      }),
    );
    return toRecord(row);
  }

  async updateDirectory(actor: Actor, id: number, patch: DirectoryPatch): Promise<DirectoryRecord> {
    const current = await this.get(id);
    if (current.type === 'ldap' && patch.scim !== undefined)
      fail('directory_type_mismatch', 'This is an LDAP directory: it has no "scim" settings.');
    if (current.type === 'scim' && (patch.ldap !== undefined || patch.bind_password !== undefined))
      fail('directory_type_mismatch', 'This is a SCIM directory: it has no LDAP settings.');
    const base = {
      name: patch.name ?? current.name,
      adopt_local_accounts: patch.adopt_local_accounts ?? current.adopt_local_accounts,
      max_block_percent: patch.max_block_percent ?? current.max_block_percent,
      schedule: patch.schedule !== undefined ? patch.schedule : current.schedule,
    };
    const next: DirectoryInput =
      current.type === 'ldap'
        ? { ...base, type: 'ldap', ldap: { ...current.ldap, ...patch.ldap } }
        : { ...base, type: 'scim', scim: { ...current.scim, ...patch.scim } };
    const errors = await this.check(next);
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
    const at = nowIso();
    const sealed =
      patch.bind_password === undefined
        ? undefined
        : patch.bind_password === ''
          ? null
          : this.sealer().seal(patch.bind_password);
    const row = await withUniqueErrors(this.store.caps, () =>
      this.store.db.transaction().execute(async (tx) => {
        const { sealed_secret, ...kept } = columnsOf(next, sealed ?? null, at);
        const d = await updateDirectoryRow(tx, id, {
          ...kept,
          ...(sealed !== undefined ? { sealed_secret } : {}),
        });
        const { updated_at: _before, ...before } = auditOf(current);
        const { updated_at: _after, ...after } = auditOf(toRecord(d));
        const changes = diff(before, after);
        if (sealed !== undefined)
          changes.bind_password = ['[set]', sealed === null ? null : '[new]'];
        await recordAudit(tx, actor, {
          action: 'directory.update',
          targetType: 'directory',
          targetId: id,
          targetLabel: d.name,
          changes,
          at,
        });
        return d;
      }),
    );
    // Forgotten after the write: a request during it may have kept the record it replaces.
    this.recent.delete(id);
    return toRecord(row);
  }

  /** Refused while the directory owns accounts: release them first (`release`). */
  async deleteDirectory(actor: Actor, id: number): Promise<void> {
    const current = await this.get(id);
    await this.store.db.transaction().execute(async (tx) => {
      if ((await countOwnedBy(tx, id)) > 0) fail('directory_owns_accounts');
      await deleteDirectoryRow(tx, id, directoryProvider(id));
      await recordAudit(tx, actor, {
        action: 'directory.delete',
        targetType: 'directory',
        targetId: id,
        targetLabel: current.name,
        changes: { name: [current.name, null] },
        at: nowIso(),
      });
    });
    this.recent.delete(id);
  }

  /**
   * Retiring a directory: its accounts become local ones (they keep their id, fields and
   * history; their password must be set again, since the directory kept it), and its links go.
   */
  async release(actor: Actor, id: number): Promise<{ released: number }> {
    const current = await this.get(id);
    return releaseAccounts(this.store, actor, current.id, current.name);
  }

  /** Links an external identity (provider, external id) to a person; each identity links to one person only. */
  async link(actor: Actor, personId: number, provider: string, externalId: string): Promise<void> {
    await withUniqueErrors(this.store.caps, () =>
      this.store.db.transaction().execute(async (tx) => {
        const p = await findPerson(tx, personId);
        if (!p) fail('not_found', `No person has id ${personId}.`);
        const at = nowIso();
        await insertIdentity(tx, provider, externalId, personId, at);
        await recordAudit(tx, actor, {
          action: 'identity.link',
          targetType: 'person',
          targetId: personId,
          targetLabel: p.username,
          changes: { identity: [null, `${provider}:${externalId}`] },
          at,
        });
      }),
    );
  }

  async personFor(provider: string, externalId: string): Promise<number | undefined> {
    return personForIdentity(this.store.db, provider, externalId);
  }

  async identitiesOf(
    personId: number,
  ): Promise<{ provider: string; external_id: string; created_at: string }[]> {
    return identitiesOfPerson(this.store.db, personId);
  }
}
