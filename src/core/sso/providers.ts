/**
 * Identity providers as a resource: validated, audited writes; JSON columns parsed into
 * typed providers; the OIDC client secret sealed at rest and never answered.
 */
import type { Store } from '../../store/database.ts';
import type { IdentityProviderRow } from '../../store/schema.ts';
import * as repo from '../../store/identity-provider-repo.ts';
import { recordAudit, diff } from '../../audit/record.ts';
import type { SecretBox } from '../../auth/secrets.ts';
import { findCollectionItem } from '../../store/collection-repo.ts';
import { type Actor, nowIso } from '../context.ts';
import { GatehouseError, fail, type FieldError } from '../errors.ts';
import {
  MAPPABLE_FIELDS,
  idpProvider,
  type AttributeMapping,
  type IdentityProvider,
  type MatchKey,
  type OidcProviderConfig,
  type ProviderType,
  type ProvisionDefaults,
  type SamlProviderConfig,
} from './types.ts';

export interface ProviderInput {
  type?: ProviderType;
  name?: string;
  button_text?: string;
  enabled?: boolean;
  attribute_mapping?: Record<string, string>;
  match_by?: string[];
  provision_on_first_login?: boolean;
  not_found_redirect_url?: string | null;
  provision_even_if_directories?: boolean;
  seamless?: boolean;
  allow_idp_initiated?: boolean;
  logout_url?: string | null;
  defaults?: Partial<ProvisionDefaults>;
  /** SAML: resolved by the gate from metadata or given by hand. */
  saml?: Partial<SamlProviderConfig>;
  /** OIDC. */
  issuer?: string;
  client_id?: string;
  /** Write-only; null removes it. */
  client_secret?: string | null;
  scopes?: string[];
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toProvider(r: IdentityProviderRow): IdentityProvider {
  const d = parseJson<Partial<ProvisionDefaults>>(r.defaults, {});
  return {
    id: r.id,
    type: r.type,
    name: r.name,
    button_text: r.button_text,
    enabled: r.enabled === 1,
    attribute_mapping: parseJson<AttributeMapping>(r.attribute_mapping, {}),
    match_by: parseJson<MatchKey[]>(r.match_by, ['username']),
    provision_on_first_login: r.provision_on_first_login === 1,
    not_found_redirect_url: r.not_found_redirect_url,
    provision_even_if_directories: r.provision_even_if_directories === 1,
    seamless: r.seamless === 1,
    allow_idp_initiated: r.allow_idp_initiated === 1,
    logout_url: r.logout_url,
    defaults: { groups: d.groups ?? [], roles: d.roles ?? [], extranet_id: d.extranet_id ?? null },
    config: parseJson<SamlProviderConfig | OidcProviderConfig>(r.config, {} as OidcProviderConfig),
    sealed_secret: r.sealed_secret,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

const MAPPABLE = new Set<string>(MAPPABLE_FIELDS);

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** What an audit event shows of a provider: everything but the secret (only whether it is set). */
function auditView(p: IdentityProvider): Record<string, unknown> {
  const { sealed_secret, created_at: _c, updated_at: _u, ...rest } = p;
  const config = { ...(p.config as unknown as Record<string, unknown>) };
  if (typeof config.metadata_xml === 'string') config.metadata_xml = '[xml]';
  return { ...rest, config, client_secret: sealed_secret ? '[set]' : null };
}

export class ProvidersService {
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
  ) {}

  async get(id: number): Promise<IdentityProvider> {
    const r = await repo.findIdentityProvider(this.store.db, id);
    if (!r) fail('not_found', `No identity provider has id ${id}.`);
    return toProvider(r);
  }

  async find(id: number): Promise<IdentityProvider | undefined> {
    const r = await repo.findIdentityProvider(this.store.db, id);
    return r ? toProvider(r) : undefined;
  }

  async list(): Promise<IdentityProvider[]> {
    return (await repo.listIdentityProviders(this.store.db)).map(toProvider);
  }

  /** The OIDC client secret in clear, for the gate's token request. */
  clientSecret(p: IdentityProvider): string | undefined {
    return p.sealed_secret ? this.secrets.open(p.sealed_secret) : undefined;
  }

  async accountsMade(): Promise<Map<number, number>> {
    const counts = await repo.countProvisionedBy(this.store.db);
    const out = new Map<number, number>();
    for (const [source, n] of counts) {
      const m = /^idp:(\d+)$/.exec(source);
      if (m) out.set(Number(m[1]), n);
    }
    return out;
  }

  async create(actor: Actor, input: ProviderInput): Promise<IdentityProvider> {
    if (input.type !== 'saml' && input.type !== 'oidc')
      fail('validation_failed', undefined, {
        fields: [{ field: 'type', message: 'Must be saml or oidc.' }],
      });
    const base: IdentityProvider = {
      id: 0,
      type: input.type,
      name: '',
      button_text: '',
      enabled: true,
      attribute_mapping: {},
      match_by: ['username', 'email'],
      provision_on_first_login: false,
      not_found_redirect_url: null,
      provision_even_if_directories: false,
      seamless: false,
      allow_idp_initiated: false,
      logout_url: null,
      defaults: { groups: [], roles: [], extranet_id: null },
      config:
        input.type === 'saml'
          ? { idp_entity_id: '', sso_url: '', certificates: [], sign_requests: false }
          : { issuer: '', client_id: '', scopes: ['openid', 'profile', 'email'] },
      sealed_secret: null,
      created_at: '',
      updated_at: '',
    };
    const next = await this.merged(base, input);
    const at = nowIso();
    return this.store.db.transaction().execute(async (tx) => {
      const row = await repo.insertIdentityProvider(tx, {
        ...this.columns(next),
        created_at: at,
        updated_at: at,
      });
      const created = toProvider(row);
      await recordAudit(tx, actor, {
        action: 'identity_provider.create',
        targetType: 'identity_provider',
        targetId: created.id,
        targetLabel: created.name,
        changes: diff(null, auditView(created)),
        at,
      });
      return created;
    });
  }

  async update(actor: Actor, id: number, input: ProviderInput): Promise<IdentityProvider> {
    if (input.type !== undefined) {
      const current = await this.get(id);
      if (input.type !== current.type)
        fail('validation_failed', undefined, {
          fields: [
            { field: 'type', message: 'The type cannot change; make a new identity provider.' },
          ],
        });
    }
    return this.store.db.transaction().execute(async (tx) => {
      const r = await repo.findIdentityProvider(tx, id);
      if (!r) fail('not_found', `No identity provider has id ${id}.`);
      const current = toProvider(r);
      const next = await this.merged(current, input);
      const at = nowIso();
      const row = await repo.updateIdentityProvider(tx, id, {
        ...this.columns(next),
        updated_at: at,
      });
      const updated = toProvider(row!);
      const changes = diff(auditView(current), auditView(updated));
      if (Object.keys(changes).length > 0)
        await recordAudit(tx, actor, {
          action: 'identity_provider.update',
          targetType: 'identity_provider',
          targetId: id,
          targetLabel: updated.name,
          changes,
          at,
        });
      return updated;
    });
  }

  /** Deletes the provider and its identity links; accounts it made stay (local, IdP-managed). */
  async delete(actor: Actor, id: number): Promise<void> {
    await this.store.db.transaction().execute(async (tx) => {
      const r = await repo.findIdentityProvider(tx, id);
      if (!r) fail('not_found', `No identity provider has id ${id}.`);
      const links = await repo.deleteIdentitiesOfProvider(tx, idpProvider(id));
      await repo.deleteIdentityProvider(tx, id);
      await recordAudit(tx, actor, {
        action: 'identity_provider.delete',
        targetType: 'identity_provider',
        targetId: id,
        targetLabel: r.name,
        changes: { name: [r.name, null], identity_links_removed: [links, 0] },
      });
    });
  }

  private columns(p: IdentityProvider) {
    return {
      type: p.type,
      name: p.name,
      button_text: p.button_text,
      enabled: p.enabled ? 1 : 0,
      attribute_mapping: JSON.stringify(p.attribute_mapping),
      match_by: JSON.stringify(p.match_by),
      provision_on_first_login: p.provision_on_first_login ? 1 : 0,
      not_found_redirect_url: p.not_found_redirect_url,
      provision_even_if_directories: p.provision_even_if_directories ? 1 : 0,
      seamless: p.seamless ? 1 : 0,
      allow_idp_initiated: p.allow_idp_initiated ? 1 : 0,
      logout_url: p.logout_url,
      defaults: JSON.stringify(p.defaults),
      config: JSON.stringify(p.config),
      sealed_secret: p.sealed_secret,
    };
  }

  /** The provider with the input applied, validated as a whole (every problem at once). */
  private async merged(current: IdentityProvider, input: ProviderInput): Promise<IdentityProvider> {
    const errors: FieldError[] = [];
    const p: IdentityProvider = { ...current, defaults: { ...current.defaults } };
    if (input.name !== undefined) p.name = input.name.trim();
    if (input.button_text !== undefined) p.button_text = input.button_text.trim();
    if (p.name === '') errors.push({ field: 'name', message: 'Give the provider a name.' });
    if (p.button_text === '') p.button_text = p.name ? `Sign in with ${p.name}` : '';
    for (const k of [
      'enabled',
      'provision_on_first_login',
      'provision_even_if_directories',
      'seamless',
      'allow_idp_initiated',
    ] as const)
      if (input[k] !== undefined) p[k] = input[k];
    if (input.attribute_mapping !== undefined) {
      for (const [field, attr] of Object.entries(input.attribute_mapping)) {
        if (!MAPPABLE.has(field) && !/^profile\.[A-Za-z0-9_]+$/.test(field))
          errors.push({
            field: `attribute_mapping.${field}`,
            message: `Not a field that can be mapped: use ${MAPPABLE_FIELDS.join(', ')} or profile.<name>.`,
          });
        if (typeof attr !== 'string' || attr.trim() === '')
          errors.push({
            field: `attribute_mapping.${field}`,
            message: 'Name the attribute or claim.',
          });
      }
      p.attribute_mapping = input.attribute_mapping;
    }
    if (input.match_by !== undefined) {
      const keys = [...new Set(input.match_by)];
      if (keys.some((k) => k !== 'username' && k !== 'email'))
        errors.push({ field: 'match_by', message: 'Use username and/or email, in order.' });
      p.match_by = keys.filter((k): k is MatchKey => k === 'username' || k === 'email');
    }
    for (const k of ['not_found_redirect_url', 'logout_url'] as const) {
      const v = input[k];
      if (v === undefined) continue;
      const t = v === null ? null : v.trim() || null;
      if (t !== null && !isHttpUrl(t) && !/^\/(?![/\\])/.test(t))
        errors.push({ field: k, message: 'Must be an http(s) URL or a path of this site.' });
      p[k] = t;
    }
    if (input.defaults !== undefined) {
      const d = input.defaults;
      if (d.groups !== undefined) p.defaults.groups = [...new Set(d.groups)];
      if (d.roles !== undefined) p.defaults.roles = [...new Set(d.roles)];
      if (d.extranet_id !== undefined) p.defaults.extranet_id = d.extranet_id;
      const checks: [string, 'groups' | 'roles' | 'extranets', number[]][] = [
        ['defaults.groups', 'groups', p.defaults.groups],
        ['defaults.roles', 'roles', p.defaults.roles],
        [
          'defaults.extranet_id',
          'extranets',
          p.defaults.extranet_id === null ? [] : [p.defaults.extranet_id],
        ],
      ];
      for (const [field, table, ids] of checks)
        for (const id of ids)
          if (!(await findCollectionItem(this.store.db, table, id)))
            errors.push({ field, message: `No ${table.slice(0, -1)} has id ${id}.` });
    }
    if (p.type === 'saml') {
      const c = { ...(p.config as SamlProviderConfig), ...(input.saml ?? {}) };
      if (!c.idp_entity_id)
        errors.push({ field: 'idp_entity_id', message: 'Give the IdP entity id or its metadata.' });
      if (!c.sso_url || !isHttpUrl(c.sso_url))
        errors.push({
          field: 'sso_url',
          message: 'Give the IdP SSO URL (http or https) or its metadata.',
        });
      if (!Array.isArray(c.certificates) || c.certificates.length === 0)
        errors.push({
          field: 'certificates',
          message: 'Give at least one IdP signing certificate or its metadata.',
        });
      c.sign_requests = c.sign_requests === true;
      p.config = c;
      if (input.issuer !== undefined || input.client_id !== undefined || input.client_secret)
        errors.push({
          field: 'issuer',
          message: 'issuer, client_id and client_secret are for OIDC providers.',
        });
    } else {
      const c = { ...(p.config as OidcProviderConfig) };
      if (input.issuer !== undefined) c.issuer = input.issuer.trim().replace(/\/+$/, '') || '';
      if (input.client_id !== undefined) c.client_id = input.client_id.trim();
      if (input.scopes !== undefined) c.scopes = [...new Set(input.scopes)];
      if (!c.scopes.includes('openid')) c.scopes = ['openid', ...c.scopes];
      if (!c.issuer || !isHttpUrl(c.issuer))
        errors.push({
          field: 'issuer',
          message: 'Give the issuer URL (discovery is read from it).',
        });
      if (!c.client_id) errors.push({ field: 'client_id', message: 'Give the client id.' });
      p.config = c;
      if (input.client_secret !== undefined)
        p.sealed_secret =
          input.client_secret === null || input.client_secret === ''
            ? null
            : this.secrets.seal(input.client_secret);
      if (input.saml !== undefined)
        errors.push({ field: 'metadata_xml', message: 'SAML fields are for SAML providers.' });
    }
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
    return p;
  }
}
