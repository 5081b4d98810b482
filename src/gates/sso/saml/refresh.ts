/**
 * Metadata from a URL is fetched again once a day, at the first SAML request after it
 * turned a day old (so an IdP's certificate rollover reaches us without an administrator).
 * A failed refresh keeps the last good metadata and says so in the log; a process fetches
 * at most once at a time per provider.
 */
import type { App } from '../../../app.ts';
import type { SamlIdentityProvider } from '../../../core/sso/types.ts';
import { updateIdentityProvider } from '../../../store/identity-provider-repo.ts';
import { METADATA_REFRESH_MS, fetchIdpMetadata, parseIdpMetadata } from './idp-metadata.ts';

const inFlight = new Map<number, Promise<SamlIdentityProvider>>();

export function freshProvider(
  app: App,
  p: SamlIdentityProvider,
  now = Date.now(),
): Promise<SamlIdentityProvider> | SamlIdentityProvider {
  const url = p.config.metadata_url;
  if (!url) return p;
  const fetchedAt = Date.parse(p.config.metadata_fetched_at ?? '');
  if (!Number.isNaN(fetchedAt) && now - fetchedAt < METADATA_REFRESH_MS) return p;
  let running = inFlight.get(p.id);
  if (!running) {
    running = refresh(app, p, url).finally(() => inFlight.delete(p.id));
    inFlight.set(p.id, running);
  }
  return running;
}

async function refresh(
  app: App,
  p: SamlIdentityProvider,
  url: string,
): Promise<SamlIdentityProvider> {
  try {
    const md = parseIdpMetadata(await fetchIdpMetadata(url), p.config.idp_entity_id || undefined);
    const config = {
      ...p.config,
      idp_entity_id: md.entityId,
      sso_url: md.ssoUrl,
      certificates: md.certificates,
      metadata_fetched_at: new Date().toISOString(),
    };
    // Only the protocol fields the metadata gives change; the audit of the provider's
    // settings is the administrator's (this is the IdP's own published data).
    await updateIdentityProvider(app.store.db, p.id, { config: JSON.stringify(config) });
    return { ...p, config };
  } catch (err) {
    process.emitWarning(
      `SAML metadata of identity provider ${p.id} could not be refreshed from ${url}: ${err instanceof Error ? err.message : String(err)}; the last metadata stays in use.`,
    );
    return p;
  }
}
