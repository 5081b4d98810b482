/**
 * Verifies an IdP's response at the ACS: the XML and signature checks run in a worker
 * (check-response.ts, through ports.check); what needs the database is checked here:
 * - InResponseTo names an unused login request of this provider (carried in RelayState),
 *   started by the browser that posts (its binding cookie); without one, the login is
 *   IdP-initiated and only accepted when the provider allows it;
 * - the assertion id is recorded in the database once: a second use is a replay.
 * Every refusal says why in `reason` (for the log and the audit), never to the browser.
 */
import type {
  LoginRequest,
  SamlIdentityProvider,
  TakenLogin,
  VerifiedLogin,
} from '../../../core/sso/types.ts';
import type { SamlEndpoints } from '../urls.ts';
import type { CheckedResponse, ResponseCheck } from './check-response.ts';
import { SamlRefusal } from './refusal.ts';
import type { SpKeys } from './sp-keys.ts';

export { SamlRefusal } from './refusal.ts';

export interface VerifyPorts {
  /** The XML and signature checks (check-response.ts), in a worker thread. */
  check(input: ResponseCheck): Promise<CheckedResponse>;
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

export async function verifySamlResponse(
  provider: SamlIdentityProvider,
  endpoints: SamlEndpoints,
  keys: SpKeys,
  body: { SAMLResponse?: unknown; RelayState?: unknown },
  ports: VerifyPorts,
  now = new Date(),
): Promise<VerifiedResponse> {
  if (typeof body.SAMLResponse !== 'string' || body.SAMLResponse === '')
    throw new SamlRefusal('The POST carries no SAMLResponse.');
  const relayState = typeof body.RelayState === 'string' ? body.RelayState : '';
  const checked = await ports.check({
    samlResponse: body.SAMLResponse,
    provider,
    endpoints,
    keys,
    nowMs: now.getTime(),
  });
  if (!checked.ok) throw new SamlRefusal(checked.reason);
  const { assertionId, inResponseTo } = checked.assertion;

  // Replay: recorded before the login request is taken, so a second use says "replayed".
  if (
    !(await ports.recordAssertion(
      `${provider.id}:${assertionId}`,
      checked.assertion.replayExpiresAt,
    ))
  )
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

  const { nameId, linkable, attributes } = checked.assertion;
  if (!nameId) throw new SamlRefusal('The assertion has no NameID.');
  return {
    login: { providerId: provider.id, subject: nameId, linkable, attributes },
    request,
  };
}
