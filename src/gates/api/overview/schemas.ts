/** The shape of GET /overview (the provisioning overview). */
import { Type } from 'typebox';
import { Schedule } from '../directories/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);
const Count = Type.Integer({ minimum: 0 });

export const Overview = Type.Object(
  {
    generated_at: Type.String(),
    total: Count,
    local: Type.Integer({ description: 'Accounts managed by People administrators here.' }),
    synced: Type.Integer({ description: 'Accounts managed by a user directory.' }),
    by_origin: Type.Array(
      Type.Object({
        origin: Type.String({ description: 'console, csv, api, cli, ldap, scim, sso or system.' }),
        count: Count,
        first_created_at: Nullable(Type.String()),
        last_created_at: Nullable(Type.String()),
      }),
    ),
    by_password_authority: Type.Array(
      Type.Object({
        authority: Type.String({ description: 'local, directory or idp.' }),
        count: Count,
      }),
    ),
    by_state: Type.Array(Type.Object({ state: Type.String(), count: Count })),
    ways_in: Type.Object({
      manual: Type.Object({ in_use: Type.Boolean(), accounts: Count }),
      csv: Type.Object({
        in_use: Type.Boolean(),
        accounts: Count,
        imports_applied: Count,
        last_import_at: Nullable(Type.String()),
      }),
      api: Type.Object({
        in_use: Type.Boolean(),
        accounts: Count,
        keys_active: Type.Integer({ description: 'Keys neither revoked nor expired.' }),
        keys_used_recently: Type.Integer({
          description: 'Active keys used within the last recent_days days.',
        }),
        recent_days: Type.Integer(),
      }),
      directories: Type.Object({
        in_use: Type.Boolean(),
        list: Type.Array(
          Type.Object({
            id: Type.Integer(),
            name: Type.String(),
            kind: Type.String(),
            accounts: Count,
            owned_fields: Type.Array(Type.String()),
            schedule: Schedule,
            last_run: Nullable(
              Type.Object({
                id: Type.Integer(),
                status: Type.String(),
                dry_run: Type.Boolean(),
                started_at: Type.String(),
                finished_at: Nullable(Type.String()),
              }),
            ),
          }),
        ),
      }),
      sso: Type.Object({
        in_use: Type.Boolean(),
        identity_providers: Type.Array(
          Type.Object({
            id: Type.Integer(),
            name: Type.String(),
            protocol: Type.String({ description: 'saml or oidc.' }),
            enabled: Type.Boolean(),
            provision_on_first_login: Type.Boolean({
              description: 'Allow users to be provisioned on first login.',
            }),
            not_found_redirect_url: Nullable(
              Type.String({ description: 'URL to redirect to if the user is not found.' }),
            ),
            provision_even_if_directories: Type.Boolean({
              description: 'Enable SSO user provisioning even if directories are present.',
            }),
            accounts: Type.Integer({
              minimum: 0,
              description: 'Accounts this identity provider made at first login.',
            }),
          }),
        ),
      }),
    }),
  },
  { $id: 'ProvisioningOverview' },
);
