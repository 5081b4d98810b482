/**
 * An IdP's SAML metadata: parsed from metadata_xml or fetched from metadata_url, giving the
 * entity id, the HTTP-Redirect SSO URL and the signing certificates (several during a
 * rollover). Metadata is hostile input: a document type declaration (entity expansion,
 * external entities) is refused before parsing, the fetch has a timeout and a size limit,
 * and only http(s) URLs are fetched.
 */
import { DOMParser, type XmlDocument, type XmlElement } from './xml.ts';
import { GatehouseError } from '../../../core/errors.ts';
import type { SamlProviderConfig } from '../../../core/sso/types.ts';
import { certificateBody } from './certificate.ts';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

export const METADATA_MAX_BYTES = 1024 * 1024;
export const METADATA_TIMEOUT_MS = 10_000;
/** Metadata from a URL is fetched again after a day (certificate rollovers). */
export const METADATA_REFRESH_MS = 24 * 60 * 60 * 1000;

export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  certificates: string[];
}

function invalid(why: string): GatehouseError {
  return new GatehouseError(
    'saml_metadata_invalid',
    `The SAML metadata could not be used: ${why}.`,
  );
}

/** Refuses DOCTYPE (and so every entity) before any parser sees the text. */
export function parseXmlSafely(xml: string): XmlDocument & { documentElement: XmlElement } {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw invalid('it declares a document type or entities');
  const errors: string[] = [];
  const doc = new DOMParser({
    errorHandler: (level: string, msg: unknown) => {
      if (level !== 'warning') errors.push(String(msg));
    },
  }).parseFromString(xml, 'text/xml');
  const root = doc.documentElement;
  if (errors.length > 0 || !root) throw invalid('it is not well-formed XML');
  return Object.assign(doc, { documentElement: root });
}

function children(el: XmlElement | XmlDocument, ns: string, name: string): XmlElement[] {
  return Array.from(el.getElementsByTagNameNS(ns, name));
}

export function parseIdpMetadata(xml: string, entityId?: string): IdpMetadata {
  const doc = parseXmlSafely(xml);
  // An aggregate holds many entities: take the one asked for, or the only IdP.
  const entities = children(doc, MD, 'EntityDescriptor').filter(
    (e) => children(e, MD, 'IDPSSODescriptor').length > 0,
  );
  const entity = entityId
    ? entities.find((e) => e.getAttribute('entityID') === entityId)
    : entities.length === 1
      ? entities[0]
      : undefined;
  if (!entity)
    throw invalid(
      entities.length === 0
        ? 'it holds no identity provider (IDPSSODescriptor)'
        : entityId
          ? `it holds no identity provider with the entity id ${entityId}`
          : 'it holds several identity providers; give the entity id of yours',
    );
  const idp = children(entity, MD, 'IDPSSODescriptor')[0];
  const sso = idp
    ? children(idp, MD, 'SingleSignOnService').find((s) => s.getAttribute('Binding') === REDIRECT)
    : undefined;
  const ssoUrl = sso?.getAttribute('Location') ?? '';
  if (!/^https?:\/\//.test(ssoUrl)) throw invalid('it has no HTTP-Redirect SingleSignOnService');
  const certificates: string[] = [];
  for (const kd of idp ? children(idp, MD, 'KeyDescriptor') : []) {
    const use = kd.getAttribute('use');
    if (use && use !== 'signing') continue; // no use = both
    for (const c of children(kd, DS, 'X509Certificate')) {
      const body = certificateBody(c.textContent ?? '');
      if (body && !certificates.includes(body)) certificates.push(body);
    }
  }
  if (certificates.length === 0) throw invalid('it has no signing certificate');
  return { entityId: entity.getAttribute('entityID') ?? '', ssoUrl, certificates };
}

/** Fetches metadata with a timeout and a size limit. */
export async function fetchIdpMetadata(
  url: string,
  opts: { timeoutMs?: number; maxBytes?: number } = {},
): Promise<string> {
  if (!/^https?:\/\//i.test(url)) throw invalid('metadata_url must be an http or https URL');
  const maxBytes = opts.maxBytes ?? METADATA_MAX_BYTES;
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(opts.timeoutMs ?? METADATA_TIMEOUT_MS),
      redirect: 'follow',
      headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    throw invalid(timedOut ? `${url} did not answer in time` : `${url} could not be reached`);
  }
  if (!res.ok || !res.body) throw invalid(`${url} answered ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw invalid(`${url} is larger than ${maxBytes} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Node's web stream is async iterable; leaving the loop early cancels the download.
  for await (const value of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += value.byteLength;
    if (size > maxBytes) throw invalid(`${url} is larger than ${maxBytes} bytes`);
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * For the identity-provider API: fills entity id, SSO URL and certificates from
 * metadata_xml or metadata_url (fetched now); fields given by hand are kept when no
 * metadata is given. An entity id given with an aggregate picks the IdP in it.
 */
export async function resolveSamlConfig(
  given: Partial<SamlProviderConfig>,
): Promise<Partial<SamlProviderConfig>> {
  let xml = given.metadata_xml;
  let fetchedAt: string | undefined;
  if (!xml && given.metadata_url) {
    xml = await fetchIdpMetadata(given.metadata_url);
    fetchedAt = new Date().toISOString();
  }
  if (!xml) return given;
  const md = parseIdpMetadata(xml, given.idp_entity_id || undefined);
  return {
    ...given,
    idp_entity_id: md.entityId,
    sso_url: md.ssoUrl,
    certificates: md.certificates,
    ...(fetchedAt ? { metadata_fetched_at: fetchedAt } : {}),
  };
}
