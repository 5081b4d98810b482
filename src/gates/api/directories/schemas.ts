/** Shapes of /directories: one flat object per directory, named as the issue and docs/sync.md name them. */
import { Type, type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const Schedule = Nullable(
  Type.Union([
    Type.Object(
      { every_minutes: Type.Integer({ minimum: 5, maximum: 10080 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        daily_at: Type.String({
          pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
          description: 'UTC, HH:MM.',
        }),
      },
      { additionalProperties: false },
    ),
  ]),
);

const Mapping = Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 200 }), {
  description:
    'Gatehouse field or profile.<name> → directory attribute; manager_id maps a DN attribute to the org chart.',
});

const Text = (max: number, description?: string) =>
  Type.String({ maxLength: max, ...(description ? { description } : {}) });

const LdapFields = {
  url: Text(500, 'ldap:// or ldaps:// URL.'),
  start_tls: Type.Boolean(),
  ca_certificate: Nullable(
    Text(20_000, 'PEM certificate(s) of the CA that signed the server certificate.'),
  ),
  bind_dn: Text(1000),
  base_dn: Text(1000),
  user_filter: Text(2000),
  id_attribute: Text(100, 'The stable id: entryUUID (OpenLDAP), objectGUID (Active Directory).'),
  username_attribute: Text(100),
  active_directory: Type.Boolean({
    description: 'Active Directory rules: objectGUID, userAccountControl, uSNChanged.',
  }),
  mapping: Mapping,
  sync_group_dn: Nullable(Text(1000, 'Only members of this group (nested included) are synced.')),
  group_base_dn: Nullable(Text(1000)),
  group_filter: Nullable(Text(2000)),
};

const OptionalLdapFields = {
  url: Type.Optional(LdapFields.url),
  start_tls: Type.Optional(LdapFields.start_tls),
  ca_certificate: Type.Optional(LdapFields.ca_certificate),
  bind_dn: Type.Optional(LdapFields.bind_dn),
  base_dn: Type.Optional(LdapFields.base_dn),
  user_filter: Type.Optional(LdapFields.user_filter),
  id_attribute: Type.Optional(LdapFields.id_attribute),
  username_attribute: Type.Optional(LdapFields.username_attribute),
  active_directory: Type.Optional(LdapFields.active_directory),
  mapping: Type.Optional(LdapFields.mapping),
  sync_group_dn: Type.Optional(LdapFields.sync_group_dn),
  group_base_dn: Type.Optional(LdapFields.group_base_dn),
  group_filter: Type.Optional(LdapFields.group_filter),
};

const Common = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  adopt_local_accounts: Type.Boolean(),
  max_block_percent: Type.Integer({ minimum: 0, maximum: 100 }),
  schedule: Schedule,
};

export const DirectoryCreate = Type.Object(
  {
    type: Type.Union([Type.Literal('ldap'), Type.Literal('scim')]),
    name: Common.name,
    preset: Type.Optional(
      Type.Union([Type.Literal('active_directory'), Type.Literal('openldap')], {
        description: 'Fills the defaults for the attributes, filter and mapping.',
      }),
    ),
    bind_password: Type.Optional(Type.String({ maxLength: 1000, description: 'Write-only.' })),
    adopt_local_accounts: Type.Optional(Common.adopt_local_accounts),
    max_block_percent: Type.Optional(Common.max_block_percent),
    schedule: Type.Optional(Common.schedule),
    ...OptionalLdapFields,
  } as const,
  { additionalProperties: false },
);
export type DirectoryCreateBody = Static<typeof DirectoryCreate>;

export const DirectoryPatch = Type.Object(
  {
    name: Type.Optional(Common.name),
    bind_password: Type.Optional(
      Type.String({
        maxLength: 1000,
        description: 'Write-only; left out, the stored one is kept.',
      }),
    ),
    adopt_local_accounts: Type.Optional(Common.adopt_local_accounts),
    max_block_percent: Type.Optional(Common.max_block_percent),
    schedule: Type.Optional(Common.schedule),
    ...OptionalLdapFields,
  } as const,
  { additionalProperties: false },
);
export type DirectoryPatchBody = Static<typeof DirectoryPatch>;

const LastRun = Nullable(
  Type.Object({
    id: Type.Integer(),
    status: Type.String(),
    dry_run: Type.Boolean(),
    started_at: Type.String(),
    finished_at: Nullable(Type.String()),
  }),
);

export const DirectoryView = Type.Object(
  {
    id: Type.Integer(),
    type: Type.Union([Type.Literal('ldap'), Type.Literal('scim')]),
    name: Type.String(),
    has_bind_password: Type.Boolean(),
    adopt_local_accounts: Type.Boolean(),
    max_block_percent: Type.Integer(),
    schedule: Schedule,
    owned_fields: Type.Array(Type.String()),
    accounts: Type.Integer({ description: 'Accounts this directory owns.' }),
    last_run: LastRun,
    created_at: Type.String(),
    updated_at: Type.String(),
    ...OptionalLdapFields,
    mapping: Mapping,
    scim_url: Type.Optional(
      Type.String({ description: 'SCIM directories, at creation: the URL to give the IdP.' }),
    ),
    token: Type.Optional(
      Type.String({
        description: 'SCIM directories, at creation only: the bearer token, shown once.',
      }),
    ),
  } as const,
  { $id: 'Directory' },
);

export const Counts = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  adopted: Type.Integer(),
  renamed: Type.Integer(),
  blocked: Type.Integer(),
  reactivated: Type.Integer(),
  unchanged: Type.Integer(),
  errors: Type.Integer(),
});

export const GroupCounts = Type.Object(
  {
    created: Type.Integer(),
    renamed: Type.Integer(),
    members_added: Type.Integer(),
    members_removed: Type.Integer(),
    nesting_changed: Type.Integer({
      description: 'Groups put inside another group, or back at the top level.',
    }),
    removed: Type.Integer(),
    errors: Type.Integer(),
  },
  { description: 'The group sync (directories with a group base DN; full runs).' },
);

export const RunView = Type.Object(
  {
    id: Type.Integer(),
    directory_id: Type.Integer(),
    url: Type.String(),
    status: Type.Union([
      Type.Literal('running'),
      Type.Literal('completed'),
      Type.Literal('stopped'),
      Type.Literal('failed'),
      Type.Literal('interrupted'),
    ]),
    dry_run: Type.Boolean(),
    mode: Type.String(),
    trigger: Type.String(),
    started_at: Type.String(),
    finished_at: Nullable(Type.String()),
    counts: Counts,
    stop_reason: Nullable(Type.String()),
    would_block: Type.Array(Type.Object({ person_id: Type.Integer(), username: Type.String() })),
    groups: Nullable(GroupCounts),
    group_error: Nullable(
      Type.String({
        description:
          'Why the group sync changed nothing (the group read failed, or answered no groups); the users are synced all the same.',
      }),
    ),
  },
  { $id: 'SyncRun' },
);

export const RunItem = Type.Object({
  seq: Type.Integer(),
  entry: Type.String({ description: 'The entry: its DN, or the username.' }),
  person_id: Nullable(Type.Integer()),
  action: Type.String(),
  changes: Nullable(
    Type.Record(Type.String(), Type.Array(Type.Unknown(), { minItems: 2, maxItems: 2 })),
  ),
  error: Nullable(Type.String()),
});

export const SyncBody = Type.Object(
  {
    dry_run: Type.Optional(Type.Boolean({ default: false })),
    mode: Type.Optional(
      Type.Union([Type.Literal('full'), Type.Literal('incremental')], {
        default: 'full',
        description:
          'incremental reads only entries changed since the last run (and, on Active Directory, the deleted ones); the first run is always full.',
      }),
    ),
    confirm_mass_block: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Block even when more than max_block_percent would be blocked.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const TestResult = Type.Object({
  ok: Type.Boolean(),
  error: Nullable(Type.Object({ type: Type.String(), message: Type.String() })),
  entries_seen: Type.Integer({ description: 'Entries on the first page of the search.' }),
  missing_attributes: Type.Array(Type.String(), {
    description: 'Mapped attributes no sampled entry has.',
  }),
  sample: Type.Array(
    Type.Object({
      dn: Type.String(),
      external_id: Type.String(),
      username: Type.String(),
      active: Type.Boolean(),
      fields: Type.Record(Type.String(), Type.String()),
      manager_dn: Nullable(Type.String()),
    }),
  ),
});
