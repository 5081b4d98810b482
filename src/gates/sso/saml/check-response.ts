/**
 * The part of an ACS check that needs only the posted XML and the provider's settings: the
 * XML is refused when hostile, the signature is verified by node-saml (≥ 5.1: against the
 * IdP's certificates only, the assertion read from the signed XML, an encrypted assertion
 * decrypted, Conditions' times and Audience checked), and what its defaults leave out is
 * checked on the verified assertion:
 * - the Issuer is the IdP's entity id; the Status is Success;
 * - a bearer SubjectConfirmation whose Recipient is our ACS and whose NotOnOrAfter is ahead;
 * - the Response's Destination, when present, is our ACS;
 * - the Response's InResponseTo does not contradict the assertion's.
 * It runs in a worker thread (verify-pool.ts): the parses, XPath lookups and canonicalisation
 * of node-saml and xml-crypto cost about as much CPU as an argon2 verify, and on the event
 * loop they would stop every other request for that time. So its input and answer are
 * plain data, and a refusal is an answer, not an exception (a class does not cross threads).
 */
import type { Profile } from '@node-saml/node-saml';
import type { SamlIdentityProvider } from '../../../core/sso/types.ts';
import type { SamlEndpoints } from '../urls.ts';
import { CLOCK_SKEW_MS, TRANSIENT, samlClient } from './client.ts';
import { parseXmlSafely } from './idp-metadata.ts';
import { SamlRefusal } from './refusal.ts';
import type { SpKeys } from './sp-keys.ts';
import type { XmlElement } from './xml.ts';

const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

export interface ResponseCheck {
  /** The SAMLResponse form field as posted (base64). */
  samlResponse: string;
  provider: SamlIdentityProvider;
  endpoints: SamlEndpoints;
  keys: SpKeys;
  nowMs: number;
}

/** What the signed assertion says, once every check above passed. */
export interface CheckedAssertion {
  assertionId: string;
  /** The signed InResponseTo of the bearer confirmation; null for an IdP-initiated login. */
  inResponseTo: string | null;
  /** Until when the assertion id must be remembered to refuse a replay. */
  replayExpiresAt: string;
  nameId: string | null;
  /** A transient NameID changes at every login: match by attributes only, link nothing. */
  linkable: boolean;
  attributes: Record<string, string[]>;
}

export type CheckedResponse =
  { ok: true; assertion: CheckedAssertion } | { ok: false; reason: string };

/** xml2js nodes as node-saml hands them back: `$` attributes, `_` text. */
interface XNode {
  $?: Record<string, string>;
  _?: string;
  [child: string]: unknown;
}

function child(node: XNode | undefined, name: string): XNode[] {
  const v = node?.[name];
  return Array.isArray(v) ? (v as XNode[]) : [];
}

function text(node: XNode | undefined): string {
  if (node === undefined) return '';
  return typeof node === 'string' ? node : (node._ ?? '');
}

function refuse(reason: string): never {
  throw new SamlRefusal(reason);
}

export async function checkResponse(input: ResponseCheck): Promise<CheckedResponse> {
  try {
    return { ok: true, assertion: await check(input) };
  } catch (err) {
    if (err instanceof SamlRefusal) return { ok: false, reason: err.reason };
    throw err;
  }
}

async function check({
  samlResponse,
  provider,
  endpoints,
  keys,
  nowMs,
}: ResponseCheck): Promise<CheckedAssertion> {
  // The outer Response (signed or not): hostile XML is refused before node-saml parses it.
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  let outer: XmlElement;
  try {
    outer = parseXmlSafely(xml).documentElement;
  } catch {
    refuse('The SAMLResponse is not well-formed XML, or declares a document type.');
  }
  if (outer.localName !== 'Response' || outer.namespaceURI !== PROTOCOL)
    refuse(`The message is a ${outer.localName}, not a SAML Response.`);
  const status = Array.from(outer.getElementsByTagNameNS(PROTOCOL, 'StatusCode'))[0]?.getAttribute(
    'Value',
  );
  if (status !== SUCCESS) refuse(`The identity provider answered with status ${status ?? 'none'}.`);
  const destination = outer.getAttribute('Destination');
  if (destination && destination !== endpoints.acs_url)
    refuse(
      `The response is addressed to ${destination}, not to this provider's ACS ${endpoints.acs_url}.`,
    );

  let profile: Profile | null;
  try {
    ({ profile } = await samlClient(provider, endpoints, keys).validatePostResponseAsync({
      SAMLResponse: samlResponse,
    }));
  } catch (err) {
    refuse(`The response did not verify: ${err instanceof Error ? err.message : String(err)}.`);
  }
  if (!profile?.getAssertion) refuse('The response holds no assertion.');
  // The assertion as node-saml read it from the signed (or decrypted and signed) XML.
  const assertion = (profile.getAssertion() as { Assertion?: XNode }).Assertion;
  if (!assertion) refuse('The response holds no assertion.');

  const issuer = text(child(assertion, 'Issuer')[0]);
  if (issuer !== provider.config.idp_entity_id)
    refuse(
      `The assertion was issued by ${issuer || 'nobody'}, not by ${provider.config.idp_entity_id}.`,
    );
  const assertionId = assertion.$?.ID;
  if (!assertionId) refuse('The assertion has no ID.');

  // A bearer confirmation addressed to us and still valid.
  const subject = child(assertion, 'Subject')[0];
  const confirmation = child(subject, 'SubjectConfirmation')
    .filter((c) => c.$?.Method === BEARER)
    .map((c) => child(c, 'SubjectConfirmationData')[0])
    .find((d) => d?.$?.Recipient === endpoints.acs_url);
  if (!confirmation?.$)
    refuse(
      `The assertion has no bearer confirmation for this provider's ACS ${endpoints.acs_url} (wrong Recipient).`,
    );
  const confirmUntil = Date.parse(confirmation.$.NotOnOrAfter ?? '');
  if (Number.isNaN(confirmUntil)) refuse('The subject confirmation has no NotOnOrAfter.');
  if (nowMs - CLOCK_SKEW_MS >= confirmUntil)
    refuse(`The assertion expired at ${confirmation.$.NotOnOrAfter}.`);
  const confirmFrom = Date.parse(confirmation.$.NotBefore ?? '');
  if (!Number.isNaN(confirmFrom) && nowMs + CLOCK_SKEW_MS < confirmFrom)
    refuse(`The assertion is not valid before ${confirmation.$.NotBefore}.`);
  const conditionsUntil = Date.parse(child(assertion, 'Conditions')[0]?.$?.NotOnOrAfter ?? '');

  // InResponseTo: the signed one in the assertion; the Response's must not contradict it.
  const inResponseTo = confirmation.$.InResponseTo ?? null;
  const outerInResponseTo = outer.getAttribute('InResponseTo') || null;
  if (outerInResponseTo && inResponseTo && outerInResponseTo !== inResponseTo)
    refuse('The Response and its assertion answer different requests.');
  if (outerInResponseTo && !inResponseTo)
    refuse('The assertion does not name the request it answers (InResponseTo).');

  return {
    assertionId,
    inResponseTo,
    replayExpiresAt: new Date(
      Math.max(confirmUntil, Number.isNaN(conditionsUntil) ? 0 : conditionsUntil) + CLOCK_SKEW_MS,
    ).toISOString(),
    nameId: profile.nameID || null,
    linkable: profile.nameIDFormat !== TRANSIENT,
    attributes: attributeLists(profile.attributes),
  };
}

/** node-saml's attributes (a string, a list, or nested XML) as lists of strings. */
function attributeLists(attrs: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (typeof attrs !== 'object' || attrs === null) return out;
  for (const [name, value] of Object.entries(attrs as Record<string, unknown>)) {
    const values = (Array.isArray(value) ? value : [value]).filter(
      (v): v is string => typeof v === 'string',
    );
    if (values.length > 0) out[name] = values;
  }
  return out;
}
