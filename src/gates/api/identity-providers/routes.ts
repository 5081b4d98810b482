/**
 * People API v2: /identity-providers (the SSO login handler), for login-handler
 * administrators and sysadmins. The OIDC client secret is write-only; SAML metadata given as
 * XML or URL is read by the SAML gate's parser (fetched with a timeout and a size limit).
 */
import { Type, type Static } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../../app.ts';
import type { ProviderInput } from '../../../core/sso/providers.ts';
import { PRESETS } from '../../../core/sso/presets.ts';
import {
  isSaml,
  type IdentityProvider,
  type OidcProviderConfig,
  type SamlProviderConfig,
} from '../../../core/sso/types.ts';
import { actorOf, requires, type Api } from '../http.ts';
import * as S from '../schemas.ts';
import { oidcEndpoints, samlEndpoints, ssoPaths } from '../../sso/urls.ts';
import { fetchIdpMetadata, parseIdpMetadata } from '../../sso/saml/idp-metadata.ts';
import {
  ExplainAnswer,
  ExplainBody,
  ProviderCreate,
  ProviderPatch,
  ProviderView,
  type ProviderPatch as Patch,
} from './schemas.ts';

function base(app: App, req: FastifyRequest): string {
  return app.config.publicUrl ?? `${req.protocol}://${req.host}`;
}

export function providerView(
  app: App,
  req: FastifyRequest,
  p: IdentityProvider,
  made: number,
): Static<typeof ProviderView> {
  const { config, sealed_secret, ...rest } = p;
  const out: Record<string, unknown> = {
    ...rest,
    accounts_made: made,
    login_url: ssoPaths.login(p.id),
  };
  if (isSaml(p)) {
    const c = config as SamlProviderConfig;
    const e = samlEndpoints(base(app, req), p.id);
    Object.assign(out, {
      metadata_url: c.metadata_url ?? null,
      metadata_fetched_at: c.metadata_fetched_at ?? null,
      idp_entity_id: c.idp_entity_id,
      sso_url: c.sso_url,
      certificates: c.certificates,
      sign_requests: c.sign_requests,
      sp_entity_id: e.sp_entity_id,
      acs_url: e.acs_url,
      sp_metadata_url: e.metadata_url,
    });
  } else {
    const c = config as OidcProviderConfig;
    Object.assign(out, {
      issuer: c.issuer,
      client_id: c.client_id,
      client_secret_set: sealed_secret !== null,
      scopes: c.scopes,
      redirect_uri: oidcEndpoints(base(app, req), p.id).redirect_uri,
    });
  }
  return out as Static<typeof ProviderView>;
}

/** The body as the core's input; SAML metadata resolved into entity id, SSO URL and certificates. */
async function toInput(body: Patch): Promise<ProviderInput> {
  const {
    metadata_xml,
    metadata_url,
    idp_entity_id,
    sso_url,
    certificates,
    sign_requests,
    ...rest
  } = body;
  const input: ProviderInput = { ...rest };
  const saml: Partial<SamlProviderConfig> = {};
  if (metadata_url !== undefined) saml.metadata_url = metadata_url;
  let xml = metadata_xml;
  if (xml === undefined && metadata_url) xml = await fetchIdpMetadata(metadata_url);
  if (xml !== undefined) {
    const m = parseIdpMetadata(xml, idp_entity_id);
    saml.metadata_xml = xml;
    saml.idp_entity_id = m.entityId;
    saml.sso_url = m.ssoUrl;
    saml.certificates = m.certificates;
    if (metadata_url) saml.metadata_fetched_at = new Date().toISOString();
  } else {
    if (idp_entity_id !== undefined) saml.idp_entity_id = idp_entity_id;
    if (sso_url !== undefined) saml.sso_url = sso_url;
    if (certificates !== undefined) saml.certificates = certificates;
  }
  if (sign_requests !== undefined) saml.sign_requests = sign_requests;
  if (Object.keys(saml).length > 0) input.saml = saml;
  return input;
}

export function identityProviderRoutes(api: Api, app: App): void {
  const tags = ['Identity providers'];
  const one = { 200: ProviderView, default: S.ErrorBody };
  const guard = requires('identity_providers:manage');
  const providers = app.sso.providers;

  api.get(
    '/identity-providers',
    {
      schema: {
        tags,
        summary: 'List identity providers (SSO login handler)',
        response: { 200: Type.Object({ data: Type.Array(ProviderView) }), default: S.ErrorBody },
      },
      preValidation: guard,
    },
    async (req) => {
      const made = await providers.accountsMade();
      return {
        data: (await providers.list()).map((p) => providerView(app, req, p, made.get(p.id) ?? 0)),
      };
    },
  );

  api.get(
    '/identity-providers/presets',
    {
      schema: {
        tags,
        summary: 'Attribute mappings of common identity providers',
        response: { 200: Type.Object({ data: Type.Array(Type.Unknown()) }), default: S.ErrorBody },
      },
      preValidation: guard,
    },
    () => ({ data: PRESETS }),
  );

  api.post(
    '/identity-providers',
    {
      schema: {
        tags,
        summary: 'Add an identity provider',
        body: ProviderCreate,
        response: { 201: ProviderView, default: S.ErrorBody },
      },
      preValidation: guard,
    },
    async (req, reply) => {
      const p = await providers.create(actorOf(req), await toInput(req.body));
      return reply.code(201).send(providerView(app, req, p, 0));
    },
  );

  api.get(
    '/identity-providers/:id',
    {
      schema: { tags, summary: 'One identity provider', params: S.IdParams, response: one },
      preValidation: guard,
    },
    async (req) => {
      const p = await providers.get(req.params.id);
      return providerView(app, req, p, (await providers.accountsMade()).get(p.id) ?? 0);
    },
  );

  api.patch(
    '/identity-providers/:id',
    {
      schema: {
        tags,
        summary: 'Change an identity provider',
        params: S.IdParams,
        body: ProviderPatch,
        response: one,
      },
      preValidation: guard,
    },
    async (req) => {
      const p = await providers.update(actorOf(req), req.params.id, await toInput(req.body));
      return providerView(app, req, p, (await providers.accountsMade()).get(p.id) ?? 0);
    },
  );

  api.delete(
    '/identity-providers/:id',
    {
      schema: {
        tags,
        summary: 'Remove an identity provider (its identity links go; the accounts it made stay)',
        params: S.IdParams,
        response: { 204: Type.Null(), default: S.ErrorBody },
      },
      preValidation: guard,
    },
    async (req, reply) => {
      await providers.delete(actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/identity-providers/:id/explain',
    {
      schema: {
        tags,
        summary: "Why was this login refused? What the person's next login would do, and why",
        params: S.IdParams,
        body: ExplainBody,
        response: { 200: ExplainAnswer, default: S.ErrorBody },
      },
      preValidation: guard,
    },
    async (req) => app.sso.explain(req.params.id, req.body),
  );
}
