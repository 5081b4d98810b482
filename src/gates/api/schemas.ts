/**
 * The shapes of the People API v2. The same schemas validate requests, type handlers and
 * make the OpenAPI document.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { PROFILE_FIELD_TYPES } from '../../core/profile-field-types.ts';
import { ERROR_TYPES } from '../../core/errors.ts';
import { ORIGINS } from '../../core/overview.ts';
import { PEOPLE_SORT_FIELDS } from '../../core/people.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Str = (max: number, description?: string) =>
  Type.String({ maxLength: max, ...(description ? { description } : {}) });

export const ErrorBody = Type.Object(
  {
    code: Type.Integer({ description: 'The HTTP status.' }),
    error: Type.String({ description: 'What went wrong and what to do, in a sentence.' }),
    type: Type.Enum(ERROR_TYPES, { description: 'Stable machine-readable error type.' }),
    fields: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
    ),
    request_id: Type.Optional(Type.String()),
  },
  { $id: 'Error' },
);

export const Pagination = Type.Object({
  offset: Type.Integer(),
  limit: Type.Integer(),
  total: Type.Integer(),
  prev: Nullable(Type.String({ description: 'Absolute URL of the previous page.' })),
  next: Nullable(Type.String({ description: 'Absolute URL of the next page.' })),
});

export const PageQuery = {
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
};

export const page = <T extends TSchema>(item: T) =>
  Type.Object({ data: Type.Array(item), pagination: Pagination });

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const MemberParams = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  person_id: Type.Integer({ minimum: 1 }),
});

const ProfileValue = Type.Union([
  Type.String(),
  Type.Number(),
  Type.Boolean(),
  Type.Array(Type.String()),
  Type.Null(),
]);

export const User = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    user_code: Nullable(Type.String()),
    firstname: Type.String(),
    surname: Type.String(),
    email: Type.String(),
    job_title: Type.String(),
    department: Type.String(),
    office: Type.String(),
    phone: Type.String(),
    mobile: Type.String(),
    manager_id: Nullable(Type.Integer()),
    manager_url: Nullable(Type.String({ description: "Absolute URL of the manager's record." })),
    extranet_id: Nullable(Type.Integer({ description: 'null = the primary area.' })),
    state: Type.Union([Type.Literal('active'), Type.Literal('blocked'), Type.Literal('frozen')]),
    frozen_until: Type.Optional(Nullable(Type.String())),
    blocked_by: Type.Optional(
      Nullable(Type.String({ description: 'admin, directory or system.' })),
    ),
    blocked_reason: Type.Optional(Nullable(Type.String())),
    directory_id: Nullable(
      Type.Integer({ description: 'The directory that syncs this account; null = local.' }),
    ),
    password_authority: Type.Optional(
      Type.Union([Type.Literal('local'), Type.Literal('directory'), Type.Literal('idp')]),
    ),
    must_change_password: Type.Optional(Type.Boolean()),
    origin: Type.Optional(
      Type.String({
        description:
          'How the account was created: console, csv, api, cli, ldap, scim, sso, system.',
      }),
    ),
    origin_source: Type.Optional(Nullable(Type.String())),
    owned_fields: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Fields managed by the directory (read-only through every other gate).',
      }),
    ),
    profile: Type.Record(Type.String(), ProfileValue),
    photo_url: Nullable(Type.String()),
    last_login_at: Type.Optional(Nullable(Type.String())),
    created_at: Type.String(),
    updated_at: Type.String(),
    version: Type.Integer({ description: 'Increases on every change; the ETag carries it.' }),
  },
  { $id: 'User' },
);
export type UserBody = Static<typeof User>;

const editable = {
  user_code: Type.Optional(Nullable(Str(100))),
  firstname: Type.Optional(Str(100)),
  surname: Type.Optional(Str(100)),
  email: Type.Optional(Str(254)),
  job_title: Type.Optional(Str(200)),
  department: Type.Optional(Str(200)),
  office: Type.Optional(Str(200)),
  phone: Type.Optional(Str(50)),
  mobile: Type.Optional(Str(50)),
  manager_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  extranet_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  must_change_password: Type.Optional(Type.Boolean()),
  profile: Type.Optional(Type.Record(Type.String(), ProfileValue)),
};

export const UserCreate = Type.Object(
  {
    ...editable,
    username: Str(100),
    firstname: Str(100),
    surname: Str(100),
    email: Str(254),
    password: Type.Optional(
      Type.String({
        maxLength: 1024,
        description:
          'Plain password, hashed with argon2id. Omit to create an account that cannot sign in with a password until one is set.',
      }),
    ),
    password_hash: Type.Optional(
      Type.String({
        maxLength: 512,
        description: 'An existing argon2 or bcrypt hash, for migrations.',
      }),
    ),
    state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('blocked')])),
  },
  { additionalProperties: false, $id: 'UserCreate' },
);

export const UserUpdate = Type.Object(
  {
    username: Type.Optional(Str(100)),
    ...editable,
    state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('blocked')])),
  },
  { additionalProperties: false, $id: 'UserUpdate' },
);

export const PasswordBody = Type.Object(
  {
    password: Type.String({ maxLength: 1024 }),
    must_change_password: Type.Optional(
      Type.Boolean({ description: 'Make the person choose a new password at next sign-in.' }),
    ),
  },
  { additionalProperties: false },
);

export const OwnPasswordBody = Type.Object(
  {
    current_password: Type.String({ maxLength: 1024 }),
    password: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const ManagerBody = Type.Object(
  { manager_id: Nullable(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);
export const IdsBody = Type.Object(
  { ids: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100_000 }) },
  { additionalProperties: false },
);
export const BlockBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const UsersQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(
      Type.String({ maxLength: 200, description: 'Search in names, username and email.' }),
    ),
    state: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('blocked'), Type.Literal('frozen')]),
    ),
    directory: Type.Optional(
      Type.String({ pattern: '^(local|[0-9]+)$', description: '"local" or a directory id.' }),
    ),
    origin: Type.Optional(Type.Enum([...ORIGINS])),
    department: Type.Optional(Type.String({ maxLength: 200 })),
    extranet: Type.Optional(
      Type.String({ pattern: '^(primary|[0-9]+)$', description: '"primary" or an extranet id.' }),
    ),
    sort: Type.Optional(Type.Enum([...PEOPLE_SORT_FIELDS])),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  },
  { additionalProperties: false },
);

export const Collection = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Type.String(),
    parent_id: Type.Optional(Nullable(Type.Integer())),
    extranet_id: Type.Optional(Nullable(Type.Integer())),
    directory_id: Type.Optional(Nullable(Type.Integer())),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  { $id: 'NamedItem' },
);

export const CollectionCreate = Type.Object(
  {
    name: Str(200),
    description: Type.Optional(Str(2000)),
    parent_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    extranet_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  },
  { additionalProperties: false },
);
export const CollectionUpdate = Type.Partial(CollectionCreate, { additionalProperties: false });

export const ListQuery = Type.Object(
  { ...PageQuery, q: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export const ProfileField = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  label: Type.String(),
  type: Type.Enum(PROFILE_FIELD_TYPES),
  options: Type.Array(Type.String()),
  required: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export const ProfileFieldCreate = Type.Object(
  {
    name: Type.String({
      maxLength: 63,
      description: 'Symbolic name: the CSV column and the key in profile.',
    }),
    label: Str(200),
    type: Type.Enum(PROFILE_FIELD_TYPES),
    options: Type.Optional(Type.Array(Str(200), { maxItems: 500 })),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const ProfileFieldUpdate = Type.Object(
  {
    label: Type.Optional(Str(200)),
    options: Type.Optional(Type.Array(Str(200), { maxItems: 500 })),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ApiKey = Type.Object({
  id: Type.Integer(),
  owner_id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
  created_at: Type.String(),
  expires_at: Nullable(Type.String()),
  revoked_at: Nullable(Type.String()),
  last_used_at: Nullable(Type.String()),
});
export const ApiKeyCreated = Type.Object({
  ...ApiKey.properties,
  key: Type.String({ description: 'The key itself: shown this once only.' }),
});
export const ApiKeyCreate = Type.Object(
  {
    name: Str(100),
    owner_id: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Default: yourself. Making a key for someone else needs sysadmin.',
      }),
    ),
    expires_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  },
  { additionalProperties: false },
);

export const AuditEvent = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  actor_id: Nullable(Type.Integer()),
  actor: Type.String(),
  gate: Type.String(),
  action: Type.String(),
  target_type: Type.String(),
  target_id: Nullable(Type.String()),
  target: Nullable(Type.String()),
  changes: Nullable(Type.Record(Type.String(), Type.Array(Type.Unknown()))),
  request_id: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  outcome: Type.String(),
});
export const AuditQuery = Type.Object(
  {
    ...PageQuery,
    target_type: Type.Optional(Type.String({ maxLength: 50 })),
    target_id: Type.Optional(Type.String({ maxLength: 100 })),
    actor_id: Type.Optional(Type.Integer({ minimum: 1 })),
    gate: Type.Optional(Type.String({ maxLength: 20 })),
    action: Type.Optional(Type.String({ maxLength: 50 })),
    outcome: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure')])),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const PasswordPolicy = Type.Object({
  minLength: Type.Integer({ minimum: 8, maximum: 128 }),
  requireStrong: Type.Boolean(),
  maxAgeDays: Type.Integer({ minimum: 0, maximum: 3650 }),
  attemptsAllowed: Type.Integer({ minimum: 1, maximum: 100 }),
  lockoutMinutes: Type.Integer({ minimum: 1, maximum: 10080 }),
});
export const PasswordPolicyUpdate = Type.Partial(PasswordPolicy, { additionalProperties: false });

export const Grants = Type.Object({ grants: Type.Array(Type.String()) });
export const GrantsUpdate = Type.Object(
  {
    sysadmin: Type.Optional(Type.Boolean()),
    people_admin: Type.Optional(Type.Boolean()),
    login_handler_admin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
