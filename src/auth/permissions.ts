/**
 * Who may do what. Each endpoint names one permission; least privilege by default.
 * - Any active account may read the directory (everyone but blocked accounts).
 * - People administrators manage people, groups, roles, extranets, profile fields, imports
 *   and read the audit log; they alone see blocked accounts.
 * - Sysadmins grant administration, change site settings and manage anyone's API keys.
 */
export const GRANTS = ['sysadmin', 'people_admin', 'login_handler_admin'] as const;
export type Grant = (typeof GRANTS)[number];

export type Permission =
  | 'directory:read'
  | 'people:read_all'
  | 'people:write'
  | 'audit:read'
  | 'api_keys:own'
  | 'api_keys:any'
  | 'grants:manage'
  | 'settings:write'
  | 'settings:read'
  | 'identity_providers:manage'
  | 'directories:manage'
  | 'directories:sync'
  | 'identities:read'
  | 'identities:manage';

const RULES: Record<Permission, (g: ReadonlySet<string>) => boolean> = {
  'directory:read': () => true,
  'people:read_all': (g) => g.has('people_admin') || g.has('sysadmin'),
  'people:write': (g) => g.has('people_admin'),
  'audit:read': (g) => g.has('people_admin') || g.has('sysadmin'),
  'api_keys:own': () => true,
  'api_keys:any': (g) => g.has('sysadmin'),
  'grants:manage': (g) => g.has('sysadmin'),
  'settings:write': (g) => g.has('sysadmin'),
  'settings:read': (g) =>
    g.has('sysadmin') || g.has('people_admin') || g.has('login_handler_admin'),
  // User directories: their connection settings are the sysadmins'; running a sync and
  // reading its reports is also the People administrators' (the People menu's
  // "Synchronize users from user directory").
  'directories:manage': (g) => g.has('sysadmin'),
  'directories:sync': (g) => g.has('sysadmin') || g.has('people_admin'),
  // The SSO login handler (identity providers, their provisioning options, explain).
  'identity_providers:manage': (g) => g.has('login_handler_admin') || g.has('sysadmin'),
  // A person's linked identities: the login handler's and the People administrators' concern.
  'identities:read': (g) =>
    g.has('login_handler_admin') || g.has('sysadmin') || g.has('people_admin'),
  'identities:manage': (g) =>
    g.has('login_handler_admin') || g.has('sysadmin') || g.has('people_admin'),
};

export interface Principal {
  personId: number;
  username: string;
  grants: ReadonlySet<string>;
  via: 'session' | 'api_key';
  apiKeyId?: number;
  sessionId?: number;
  csrfToken?: string;
  mustChangePassword: boolean;
}

export function can(principal: Principal, permission: Permission): boolean {
  return RULES[permission](principal.grants);
}
