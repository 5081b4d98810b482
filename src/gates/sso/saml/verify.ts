/**
 * Verifies an IdP's response at the ACS. node-saml (≥ 5.1) checks the XML signature against
 * the IdP's certificates only, reads the assertion from the signed XML (no wrapping),
 * decrypts an encrypted assertion and checks Conditions' times and Audience. What its
 * defaults leave out is checked here, on the verified assertion:
 * - the Issuer is the IdP's entity id; the Status is Success;
 * - a bearer SubjectConfirmation whose Recipient is our ACS and whose NotOnOrAfter is ahead;
 * - the Response's Destination, when present, is our ACS;
 * - InResponseTo names an unused login request of this provider (carried in RelayState),
 *   started by the browser that posts (its binding cookie); without one, the login is
 *   IdP-initiated and only accepted when the provider allows it;
 * - the assertion id is recorded in the database once: a second use is a replay.
 * Every refusal says why in `reason` (for the log and the audit), never to the browser.
 */
import type { SAML, Profile } from '@node-saml/node-saml';
import type {
  LoginRequest,
  SamlIdentityProvider,
  TakenLogin,
  VerifiedLogin,
} from '../../../core/sso/types.ts';
import type { SamlEndpoints } from '../urls.ts';
import { CLOCK_SKEW_MS, TRANSIENT } from './client.ts';
import { parseXmlSafely } from './idp-metadata.ts';
import type { XmlElement } from './xml.ts';

const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

export class SamlRefusal extends Error {
  constructor(
    readonly reason: string,
    /** Catalogue type shown to the person. */
    readonly errorType:
      | 'saml_response_invalid'
      | 'sso_login_invalid'
      | 'sso_login_other_browser' = 'saml_response_invalid',
  ) {
    super(reason);
  }
}

export interface VerifyPorts {
  /** Takes a login request once (used_at set), for this browser only; or says why not. */
  takeLogin(id: string): Promise<TakenLogin>;
  /** Records an assertion id; false when it was recorded before (a replay). */
  recordAssertion(key: string, expiresAt: string): Promise<boolean>;
}

export interface VerifiedResponse {
  login: VerifiedLogin;
  /** The login request this answers; null for an IdP-initiated login. */
  request: LoginRequest | null;
}

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

export async function verifySamlResponse(
  saml: SAML,
  provider: SamlIdentityProvider,
  endpoints: SamlEndpoints,
  body: { SAMLResponse?: unknown; RelayState?: unknown },
  ports: VerifyPorts,
  now = new Date(),
): Promise<VerifiedResponse> {
  if (typeof body.SAMLResponse !== 'string' || body.SAMLResponse === '')
    throw new SamlRefusal('The POST carries no SAMLResponse.');
  const relayState = typeof body.RelayState === 'string' ? body.RelayState : '';

  // The outer Response (signed or not): hostile XML is refused before node-saml parses it.
  const xml = Buffer.from(body.SAMLResponse, 'base64').toString('utf8');
  let outer: XmlElement;
  try {
    outer = parseXmlSafely(xml).documentElement;
  } catch {
    throw new SamlRefusal('The SAMLResponse is not well-formed XML, or declares a document type.');
  }
  if (outer.localName !== 'Response' || outer.namespaceURI !== PROTOCOL)
    throw new SamlRefusal(`The message is a ${outer.localName}, not a SAML Response.`);
  const status = Array.from(outer.getElementsByTagNameNS(PROTOCOL, 'StatusCode'))[0]?.getAttribute(
    'Value',
  );
  if (status !== SUCCESS)
    throw new SamlRefusal(`The identity provider answered with status ${status ?? 'none'}.`);
  const destination = outer.getAttribute('Destination');
  if (destination && destination !== endpoints.acs_url)
    throw new SamlRefusal(
      `The response is addressed to ${destination}, not to this provider's ACS ${endpoints.acs_url}.`,
    );

  let profile: Profile | null;
  try {
    ({ profile } = await saml.validatePostResponseAsync({ SAMLResponse: body.SAMLResponse }));
  } catch (err) {
    throw new SamlRefusal(
      `The response did not verify: ${err instanceof Error ? err.message : String(err)}.`,
    );
  }
  if (!profile?.getAssertion) throw new SamlRefusal('The response holds no assertion.');
  // The assertion as node-saml read it from the signed (or decrypted and signed) XML.
  const assertion = (profile.getAssertion() as { Assertion?: XNode }).Assertion;
  if (!assertion) throw new SamlRefusal('The response holds no assertion.');

  const issuer = text(child(assertion, 'Issuer')[0]);
  if (issuer !== provider.config.idp_entity_id)
    throw new SamlRefusal(
      `The assertion was issued by ${issuer || 'nobody'}, not by ${provider.config.idp_entity_id}.`,
    );
  const assertionId = assertion.$?.ID;
  if (!assertionId) throw new SamlRefusal('The assertion has no ID.');

  // A bearer confirmation addressed to us and still valid.
  const nowMs = now.getTime();
  const subject = child(assertion, 'Subject')[0];
  const confirmation = child(subject, 'SubjectConfirmation')
    .filter((c) => c.$?.Method === BEARER)
    .map((c) => child(c, 'SubjectConfirmationData')[0])
    .find((d) => d?.$?.Recipient === endpoints.acs_url);
  if (!confirmation?.$)
    throw new SamlRefusal(
      `The assertion has no bearer confirmation for this provider's ACS ${endpoints.acs_url} (wrong Recipient).`,
    );
  const confirmUntil = Date.parse(confirmation.$.NotOnOrAfter ?? '');
  if (Number.isNaN(confirmUntil))
    throw new SamlRefusal('The subject confirmation has no NotOnOrAfter.');
  if (nowMs - CLOCK_SKEW_MS >= confirmUntil)
    throw new SamlRefusal(`The assertion expired at ${confirmation.$.NotOnOrAfter}.`);
  const confirmFrom = Date.parse(confirmation.$.NotBefore ?? '');
  if (!Number.isNaN(confirmFrom) && nowMs + CLOCK_SKEW_MS < confirmFrom)
    throw new SamlRefusal(`The assertion is not valid before ${confirmation.$.NotBefore}.`);
  const conditionsUntil = Date.parse(child(assertion, 'Conditions')[0]?.$?.NotOnOrAfter ?? '');

  // InResponseTo: the signed one in the assertion; the Response's must not contradict it.
  const inResponseTo = confirmation.$.InResponseTo ?? null;
  const outerInResponseTo = outer.getAttribute('InResponseTo') || null;
  if (outerInResponseTo && inResponseTo && outerInResponseTo !== inResponseTo)
    throw new SamlRefusal('The Response and its assertion answer different requests.');
  if (outerInResponseTo && !inResponseTo)
    throw new SamlRefusal('The assertion does not name the request it answers (InResponseTo).');

  // Replay: recorded before the login request is taken, so a second use says "replayed".
  const expiresAt = new Date(
    Math.max(confirmUntil, Number.isNaN(conditionsUntil) ? 0 : conditionsUntil) + CLOCK_SKEW_MS,
  ).toISOString();
  if (!(await ports.recordAssertion(`${provider.id}:${assertionId}`, expiresAt)))
    throw new SamlRefusal(`The assertion ${assertionId} was already used (a replay).`);

  let request: LoginRequest | null = null;
  if (inResponseTo) {
    if (!relayState)
      throw new SamlRefusal(
        'The response answers a request but carries no RelayState, so its sign-in cannot be found.',
        'sso_login_invalid',
      );
    const result = await ports.takeLogin(relayState);
    if (!result.ok)
      throw new SamlRefusal(
        result.reason,
        result.why === 'other_browser' ? 'sso_login_other_browser' : 'sso_login_invalid',
      );
    const taken = result.request;
    if (taken.provider_id !== provider.id || taken.kind !== 'saml')
      throw new SamlRefusal('The response answers a sign-in started at another identity provider.');
    if (taken.request_id !== inResponseTo)
      throw new SamlRefusal(
        `The response answers request ${inResponseTo}, not this sign-in's request ${taken.request_id ?? 'none'}.`,
      );
    request = taken;
  } else if (!provider.allow_idp_initiated) {
    throw new SamlRefusal(
      'The response answers no request (IdP-initiated), and this provider does not allow IdP-initiated logins.',
    );
  }

  const nameId = profile.nameID;
  if (!nameId) throw new SamlRefusal('The assertion has no NameID.');
  return {
    login: {
      providerId: provider.id,
      subject: nameId,
      // A transient NameID changes at every login: match by attributes only, link nothing.
      linkable: profile.nameIDFormat !== TRANSIENT,
      attributes: attributeLists(profile.attributes),
    },
    request,
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
