/** The provisioning core, assembled: every gate holds one of these and calls nothing else to write. */
import type { Store } from '../store/database.ts';
import type { Argon2Params } from '../auth/passwords.ts';
import { PeopleService } from './people.ts';
import { SettingsService } from './settings.ts';
import { ProfileFieldsService } from './profile-fields.ts';
import { CollectionService } from './collections.ts';
import { GrantsService } from './grants.ts';
import { DirectoriesService, type Sealer } from './directories.ts';
import { AuditQuery } from '../audit/query.ts';
import { DirectorySyncService } from './sync/service.ts';
import { SyncRunner } from './sync/run.ts';
import { SyncRunsQuery } from './sync/runs-query.ts';
import { PeopleBatch } from './people-batch/index.ts';
import { DirectoryGroups } from './sync/groups.ts';
import { GroupSync } from './sync/group-sync.ts';

export interface CoreOptions {
  emailUnique: boolean;
  argon2: Argon2Params;
  /** Seals stored secrets (bind passwords); made lazily, since most runs never need it. */
  secrets?: () => Sealer;
}

const NO_SEALER = (): Sealer => {
  throw new Error('This core was built without a secret store.');
};

export class Core {
  readonly settings: SettingsService;
  readonly profileFields: ProfileFieldsService;
  readonly people: PeopleService;
  readonly batch: PeopleBatch;
  readonly groups: CollectionService;
  readonly roles: CollectionService;
  readonly extranets: CollectionService;
  readonly grants: GrantsService;
  readonly directories: DirectoriesService;
  readonly directorySync: DirectorySyncService;
  readonly syncRunner: SyncRunner;
  readonly syncRuns: SyncRunsQuery;
  readonly audit: AuditQuery;

  constructor(
    readonly store: Store,
    readonly options: CoreOptions,
  ) {
    this.settings = new SettingsService(store);
    this.profileFields = new ProfileFieldsService(store);
    this.people = new PeopleService(store, options, this.settings, this.profileFields);
    this.groups = new CollectionService(store, 'group');
    this.roles = new CollectionService(store, 'role');
    this.extranets = new CollectionService(store, 'extranet');
    this.batch = new PeopleBatch(store, options, this.settings, this.profileFields);
    this.grants = new GrantsService(store);
    this.directories = new DirectoriesService(
      store,
      this.profileFields,
      options.secrets ?? NO_SEALER,
    );
    this.directorySync = new DirectorySyncService(store, this.people, this.directories);
    this.syncRunner = new SyncRunner(
      store,
      this.batch,
      this.directorySync.writer,
      new GroupSync(store, new DirectoryGroups(store)),
    );
    this.syncRuns = new SyncRunsQuery(store);
    this.audit = new AuditQuery(store);
  }
}
