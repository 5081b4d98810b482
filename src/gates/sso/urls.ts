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

/**
 * A return_to that only ever leads to a path of this site: one leading `/`, never `//` or
 * `/\` (both mean another host to a browser), no control characters, not too long. Anything
 * else is dropped (the login lands on the console's start page).
 */
export function safeReturnTo(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  try {
    // Resolved against a dummy origin, the path must stay on it.
    const u = new URL(value, 'http://gatehouse.invalid');
    if (u.origin !== 'http://gatehouse.invalid') return null;
  } catch {
    return null;
  }
  return value;
}
