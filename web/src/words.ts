/** The words the console uses for the server's codes, in one place. */
import type { User } from './api/client';

export const ORIGIN_LABEL: Record<string, string> = {
  console: 'the console',
  csv: 'CSV import',
  api: 'the People API',
  cli: 'the command line',
  ldap: 'LDAP sync',
  scim: 'SCIM provisioning',
  sso: 'single sign-on (first login)',
  system: 'installation',
};

export const ORIGIN_SHORT: Record<string, string> = {
  console: 'Console',
  csv: 'CSV import',
  api: 'API',
  cli: 'Command line',
  ldap: 'LDAP',
  scim: 'SCIM',
  sso: 'SSO',
  system: 'Installation',
};

export const STATE_LABEL: Record<string, string> = {
  active: 'Active',
  blocked: 'Blocked',
  frozen: 'Frozen',
};
export const STATE_COLOR: Record<string, string> = {
  active: 'teal',
  blocked: 'red',
  frozen: 'yellow',
};

export const AUTHORITY_LABEL: Record<string, string> = {
  local: 'Password kept here',
  directory: 'Password checked by the directory',
  idp: 'Password managed by the identity provider',
};

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(undefined, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

export function fullName(u: { firstname: string; surname: string }): string {
  return `${u.firstname} ${u.surname}`.trim();
}

/** "Created by CSV import on 3 Mar 2025, managed locally." */
export function originSentence(u: User, directoryName?: string): string {
  const how = ORIGIN_LABEL[u.origin ?? ''] ?? u.origin ?? 'an unknown gate';
  const source = u.origin_source ? ` (${u.origin_source})` : '';
  const managed =
    u.directory_id === null
      ? 'managed locally by People administrators'
      : `managed by the directory ${directoryName ? `“${directoryName}”` : `#${u.directory_id}`}`;
  return `Created by ${how}${source} on ${formatDate(u.created_at)}, ${managed}.`;
}

export const FIELD_LABEL: Record<string, string> = {
  username: 'Username',
  user_code: 'User code',
  firstname: 'First name',
  surname: 'Surname',
  email: 'Email',
  job_title: 'Job title',
  department: 'Department',
  office: 'Office',
  phone: 'Phone',
  mobile: 'Mobile',
  manager_id: 'Manager',
  extranet_id: 'Extranet area',
  state: 'Account state',
  password: 'Password',
};

/** A field value as a person reads it in a change list. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.map(showValue).join(', ');
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
