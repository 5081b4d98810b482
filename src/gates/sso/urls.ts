/**
 * The SSO endpoints of an identity provider, as the IdP and the console see them. One place,
 * so the SP metadata, the API's answer and the routes never disagree.
 */

function base(publicBase: string): string {
  return publicBase.replace(/\/+$/, '');
}

export interface SamlEndpoints {
  sp_entity_id: string;
  acs_url: string;
  metadata_url: string;
  login_url: string;
}

export function samlEndpoints(publicBase: string, id: number): SamlEndpoints {
  const b = base(publicBase);
  return {
    // The metadata URL doubles as the SP's entity id: unique per IdP and resolvable.
    sp_entity_id: `${b}/sso/${id}/metadata`,
    acs_url: `${b}/sso/${id}/acs`,
    metadata_url: `${b}/sso/${id}/metadata`,
    login_url: `${b}/sso/${id}/login`,
  };
}

export interface OidcEndpoints {
  redirect_uri: string;
  login_url: string;
}

export function oidcEndpoints(publicBase: string, id: number): OidcEndpoints {
  const b = base(publicBase);
  return { redirect_uri: `${b}/sso/${id}/callback`, login_url: `${b}/sso/${id}/login` };
}

/** Paths relative to the site, for the routes and the sign-in page's buttons. */
export const ssoPaths = {
  login: (id: number | string) => `/sso/${id}/login`,
  acs: (id: number | string) => `/sso/${id}/acs`,
  metadata: (id: number | string) => `/sso/${id}/metadata`,
  callback: (id: number | string) => `/sso/${id}/callback`,
};
