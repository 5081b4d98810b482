/**
 * Why a SAML response is refused: `reason` for the log and the audit, `errorType` the
 * catalogue's sentence shown to the person. Thrown by the ACS checks on either thread; the
 * worker hands its reason back as data (check-response.ts), since a class does not cross.
 */
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
