/** Who is acting, through which gate: carried by every core command into the audit log. */
export type Gate = 'console' | 'api' | 'csv' | 'cli' | 'ldap' | 'scim' | 'sso' | 'system';

export interface Actor {
  /** The person acting, or null for the system itself (start-up, scheduled jobs). */
  personId: number | null;
  /** Human-readable: a username, "system", "directory:Corp LDAP". */
  label: string;
  gate: Gate;
  /** Set when a directory sync acts: it may change the fields that directory owns. */
  directoryId?: number | undefined;
  /** The API key used, if any (recorded as the origin source of what it creates). */
  apiKeyId?: number | undefined;
  requestId?: string | undefined;
  ip?: string | undefined;
}

export const SYSTEM_ACTOR: Actor = { personId: null, label: 'system', gate: 'system' };

export function nowIso(): string {
  return new Date().toISOString();
}
