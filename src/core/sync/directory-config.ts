/**
 * A directory's settings as the core keeps them (the `settings` JSON of its row), and the
 * checks every gate's input goes through. Which attribute names an LDAP server uses is the
 * LDAP gate's business (its presets); the core only checks shapes and the mapping's targets.
 */
import type { FieldError } from '../errors.ts';
import { SYNCABLE_FIELDS } from './types.ts';

export interface LdapDirectorySettings {
  url: string;
  start_tls: boolean;
  ca_certificate: string | null;
  bind_dn: string;
  base_dn: string;
  user_filter: string;
  id_attribute: string;
  username_attribute: string;
  /** AD rules (objectGUID, userAccountControl, uSNChanged, Deleted Objects). */
  active_directory: boolean;
  /** Gatehouse field or `profile.<name>` → attribute. */
  mapping: Record<string, string>;
  sync_group_dn: string | null;
  group_base_dn: string | null;
  group_filter: string | null;
}

export interface ScimDirectorySettings {
  /** Gatehouse field or `profile.<name>` → SCIM attribute path. */
  mapping: Record<string, string>;
}

/** When a directory syncs by itself: every N minutes, or daily at a UTC time. */
export type Schedule = { every_minutes: number } | { daily_at: string } | null;

/** Targets a mapping may name besides `profile.<name>`. */
export const MAPPABLE_TARGETS: readonly string[] = [...SYNCABLE_FIELDS, 'manager_id'];

const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*$|^\d+(\.\d+)+$/;
const DAILY = /^([01]\d|2[0-3]):[0-5]\d$/;

export function checkMapping(
  mapping: Record<string, string>,
  profileFields: ReadonlySet<string>,
  attributeShape: RegExp | null = ATTRIBUTE,
): FieldError[] {
  const errors: FieldError[] = [];
  for (const [target, attribute] of Object.entries(mapping)) {
    const isProfile = target.startsWith('profile.');
    if (!isProfile && !MAPPABLE_TARGETS.includes(target))
      errors.push({
        field: `mapping.${target}`,
        message: `"${target}" is not a field a directory can fill. Use one of ${MAPPABLE_TARGETS.join(', ')} or profile.<name>.`,
      });
    else if (isProfile && !profileFields.has(target.slice('profile.'.length)))
      errors.push({
        field: `mapping.${target}`,
        message: `There is no profile field "${target.slice('profile.'.length)}". Create it first.`,
      });
    if (typeof attribute !== 'string' || (attributeShape && !attributeShape.test(attribute)))
      errors.push({
        field: `mapping.${target}`,
        message: `"${String(attribute)}" is not an attribute name.`,
      });
  }
  return errors;
}

export function checkSchedule(schedule: Schedule): FieldError[] {
  if (schedule === null) return [];
  if ('every_minutes' in schedule) {
    const n = schedule.every_minutes;
    return Number.isInteger(n) && n >= 5 && n <= 10_080
      ? []
      : [{ field: 'schedule.every_minutes', message: 'Must be a whole number from 5 to 10080.' }];
  }
  return DAILY.test(schedule.daily_at)
    ? []
    : [{ field: 'schedule.daily_at', message: 'Must be a UTC time as HH:MM, e.g. "02:30".' }];
}

/** The next time a schedule is due after `last` (or now, for a directory never run). */
export function nextDue(schedule: Schedule, last: Date | null, now: Date): Date | null {
  if (schedule === null) return null;
  if ('every_minutes' in schedule)
    return last ? new Date(last.getTime() + schedule.every_minutes * 60_000) : now;
  const [h, m] = schedule.daily_at.split(':').map(Number) as [number, number];
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h, m));
  const due = today <= now ? today : new Date(today.getTime() - 86_400_000);
  return last && last >= due ? new Date(due.getTime() + 86_400_000) : due;
}

export function checkLdapSettings(s: LdapDirectorySettings): FieldError[] {
  const errors: FieldError[] = [];
  let url: URL | undefined;
  try {
    url = new URL(s.url);
  } catch {
    /* reported below */
  }
  if (!url || (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:'))
    errors.push({ field: 'url', message: 'Must be an ldap:// or ldaps:// URL.' });
  if (url?.protocol === 'ldaps:' && s.start_tls)
    errors.push({
      field: 'start_tls',
      message: 'StartTLS is for ldap:// URLs; an ldaps:// URL is already encrypted.',
    });
  if (s.ca_certificate !== null && !s.ca_certificate.includes('-----BEGIN CERTIFICATE-----'))
    errors.push({ field: 'ca_certificate', message: 'Must be a PEM certificate.' });
  for (const f of ['base_dn', 'user_filter', 'id_attribute', 'username_attribute'] as const)
    if (s[f].trim() === '') errors.push({ field: f, message: 'Required.' });
  if (s.user_filter.trim() !== '' && !/^\(.*\)$/s.test(s.user_filter.trim()))
    errors.push({ field: 'user_filter', message: 'An LDAP filter is written in parentheses.' });
  for (const f of ['id_attribute', 'username_attribute'] as const)
    if (s[f] !== '' && !ATTRIBUTE.test(s[f]))
      errors.push({ field: f, message: `"${s[f]}" is not an attribute name.` });
  return errors;
}
