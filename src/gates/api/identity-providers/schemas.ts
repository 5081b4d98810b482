/** People API v2 schemas of /identity-providers (the SSO login handler). */
import { Type, type Static } from 'typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const Mapping = Type.Record(Type.String(), Type.String(), {
  description:
    'Gatehouse field (username, firstname, surname, email, user_code, job_title, department, office, phone, mobile, profile.<name>) → attribute or claim name; `$subject` is the OIDC sub / SAML NameID.',
});

const Defaults = Type.Object(
  {
    groups: Type.Optional(Type.Array(Type.Integer())),
    roles: Type.Optional(Type.Array(Type.Integer())),
    extranet_id: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  },
  { additionalProperties: false, description: 'What accounts made at first login get.' },
);

const writable = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  button_text: Type.Optional(Type.String({ maxLength: 200 })),
  enabled: Type.Optional(Type.Boolean()),
  attribute_mapping: Type.Optional(Mapping),
  match_by: Type.Optional(
    Type.Array(Type.Union([Type.Literal('username'), Type.Literal('email')]), { maxItems: 2 }),
  ),
  provision_on_first_login: Type.Optional(
    Type.Boolean({ description: 'Allow users to be provisioned on first login (default No).' }),
  ),
  not_found_redirect_url: Type.Optional(
    Nullable(
      Type.String({ maxLength: 2000, description: 'URL to redirect to if the user is not found.' }),
    ),
  ),
  provision_even_if_directories: Type.Optional(
    Type.Boolean({ description: 'Enable SSO user provisioning even if directories are present.' }),
  ),
  seamless: Type.Optional(Type.Boolean()),
  allow_idp_initiated: Type.Optional(Type.Boolean()),
  logout_url: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  defaults: Type.Optional(Defaults),
  // SAML
  metadata_xml: Type.Optional(Type.String({ maxLength: 1024 * 1024 })),
  metadata_url: Type.Optional(Type.String({ maxLength: 2000 })),
  idp_entity_id: Type.Optional(Type.String({ maxLength: 2000 })),
  sso_url: Type.Optional(Type.String({ maxLength: 2000 })),
  certificates: Type.Optional(Type.Array(Type.String({ maxLength: 20000 }), { maxItems: 10 })),
  sign_requests: Type.Optional(Type.Boolean()),
  // OIDC
  issuer: Type.Optional(Type.String({ maxLength: 2000 })),
  client_id: Type.Optional(Type.String({ maxLength: 500 })),
  client_secret: Type.Optional(
    Nullable(Type.String({ maxLength: 2000, description: 'Write-only; stored encrypted.' })),
  ),
  scopes: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20 })),
};

export const ProviderCreate = Type.Object(
  { type: Type.Union([Type.Literal('saml'), Type.Literal('oidc')]), ...writable },
  { additionalProperties: false },
);
export type ProviderCreate = Static<typeof ProviderCreate>;
export const ProviderPatch = Type.Object(
  { type: Type.Optional(Type.Union([Type.Literal('saml'), Type.Literal('oidc')])), ...writable },
  { additionalProperties: false },
);
export type ProviderPatch = Static<typeof ProviderPatch>;

export const ProviderView = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  name: Type.String(),
  button_text: Type.String(),
  enabled: Type.Boolean(),
  attribute_mapping: Type.Record(Type.String(), Type.String()),
  match_by: Type.Array(Type.String()),
  provision_on_first_login: Type.Boolean(),
  not_found_redirect_url: Type.Union([Type.String(), Type.Null()]),
  provision_even_if_directories: Type.Boolean(),
  seamless: Type.Boolean(),
  allow_idp_initiated: Type.Boolean(),
  logout_url: Type.Union([Type.String(), Type.Null()]),
  defaults: Type.Object({
    groups: Type.Array(Type.Integer()),
    roles: Type.Array(Type.Integer()),
    extranet_id: Type.Union([Type.Integer(), Type.Null()]),
  }),
  accounts_made: Type.Integer(),
  // SAML
  metadata_url: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  metadata_fetched_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  idp_entity_id: Type.Optional(Type.String()),
  sso_url: Type.Optional(Type.String()),
  certificates: Type.Optional(Type.Array(Type.String())),
  sign_requests: Type.Optional(Type.Boolean()),
  sp_entity_id: Type.Optional(Type.String()),
  acs_url: Type.Optional(Type.String()),
  sp_metadata_url: Type.Optional(Type.String()),
  // OIDC
  issuer: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  client_secret_set: Type.Optional(Type.Boolean()),
  scopes: Type.Optional(Type.Array(Type.String())),
  redirect_uri: Type.Optional(Type.String()),
  login_url: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const ExplainBody = Type.Object(
  {
    username: Type.Optional(Type.String({ maxLength: 200 })),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    subject: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export const ExplainAnswer = Type.Object({
  outcome: Type.Union([
    Type.Literal('signed_in'),
    Type.Literal('provisioned'),
    Type.Literal('redirected'),
    Type.Literal('refused'),
  ]),
  reason: Type.String(),
  person_id: Type.Union([Type.Integer(), Type.Null()]),
});
