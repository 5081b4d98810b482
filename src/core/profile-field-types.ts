/**
 * Custom profile field types (Claromentis KB 885): how a value is validated in JSON and
 * how it is written in CSV. JSON values are natural types (numbers, booleans, ISO dates,
 * arrays); CSV values use the product's formats (Yes/No, YYYYMMDD, …).
 */
export const PROFILE_FIELD_TYPES = [
  'string',
  'text',
  'integer',
  'checkbox',
  'datetime',
  'date',
  'date_no_year',
  'select',
  'multiselect',
  'hyperlink',
  'user',
  'address',
] as const;
export type ProfileFieldType = (typeof PROFILE_FIELD_TYPES)[number];

export interface ProfileFieldDef {
  name: string;
  label: string;
  type: ProfileFieldType;
  options: string[];
  required: boolean;
}

export type ProfileValue = string | number | boolean | string[] | null;

type Check = { ok: true; value: ProfileValue } | { ok: false; message: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_DAY = /^(\d{2})-(\d{2})$/;

function validDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Validates a JSON value for a field; null clears it. */
export function checkProfileValue(def: ProfileFieldDef, value: unknown): Check {
  if (value === null || value === '') {
    return def.required
      ? { ok: false, message: `${def.label} is required.` }
      : { ok: true, value: null };
  }
  switch (def.type) {
    case 'string':
    case 'text':
    case 'address':
      if (typeof value !== 'string') return { ok: false, message: 'Must be text.' };
      if (def.type === 'string' && value.length > 255)
        return { ok: false, message: 'At most 255 characters.' };
      if (value.length > 10_000) return { ok: false, message: 'At most 10,000 characters.' };
      return { ok: true, value };
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        return { ok: false, message: 'Must be a whole number.' };
      return { ok: true, value };
    case 'checkbox':
      if (typeof value !== 'boolean') return { ok: false, message: 'Must be true or false.' };
      return { ok: true, value };
    case 'datetime': {
      if (
        typeof value !== 'string' ||
        Number.isNaN(Date.parse(value)) ||
        !/^\d{4}-\d{2}-\d{2}T/.test(value)
      ) {
        return { ok: false, message: 'Must be a date and time such as 2026-01-31T09:30:00Z.' };
      }
      return { ok: true, value: new Date(value).toISOString() };
    }
    case 'date': {
      const m = typeof value === 'string' ? DATE.exec(value) : null;
      if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
        return { ok: false, message: 'Must be a date such as 2026-01-31.' };
      }
      return { ok: true, value: m[0] };
    }
    case 'date_no_year': {
      const m = typeof value === 'string' ? MONTH_DAY.exec(value) : null;
      if (!m || !validDate(2000, Number(m[1]), Number(m[2]))) {
        return { ok: false, message: 'Must be a month and day such as 12-25.' };
      }
      return { ok: true, value: m[0] };
    }
    case 'select':
      if (typeof value !== 'string' || !def.options.includes(value)) {
        return { ok: false, message: `Must be one of: ${def.options.join(', ')}.` };
      }
      return { ok: true, value };
    case 'multiselect': {
      if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
        return { ok: false, message: 'Must be a list of options.' };
      }
      const bad = value.filter((v) => !def.options.includes(v));
      if (bad.length > 0)
        return {
          ok: false,
          message: `Unknown options: ${bad.join(', ')}. Allowed: ${def.options.join(', ')}.`,
        };
      return { ok: true, value: [...new Set(value)] };
    }
    case 'hyperlink':
      if (typeof value !== 'string' || !isHttpUrl(value))
        return { ok: false, message: 'Must be an http(s) URL.' };
      return { ok: true, value };
    case 'user':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        return { ok: false, message: "Must be a person's numeric id." };
      }
      return { ok: true, value };
  }
}

/** Parses the CSV form of a value into its JSON form (then checked by checkProfileValue). */
export function parseProfileCsv(
  def: ProfileFieldDef,
  raw: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const s = raw.trim();
  if (s === '') return { ok: true, value: null };
  switch (def.type) {
    case 'integer':
      return /^-?\d+$/.test(s)
        ? { ok: true, value: Number(s) }
        : { ok: false, message: 'Must be a whole number.' };
    case 'checkbox': {
      const v = s.toLowerCase();
      if (v === 'yes' || v === '1' || v === 'true') return { ok: true, value: true };
      if (v === 'no' || v === '0' || v === 'false') return { ok: true, value: false };
      return { ok: false, message: 'Must be Yes or No.' };
    }
    case 'datetime': {
      const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
      if (!m) return { ok: false, message: 'Must be YYYYMMDDHHMMSS.' };
      return { ok: true, value: `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` };
    }
    case 'date': {
      const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
      return m
        ? { ok: true, value: `${m[1]}-${m[2]}-${m[3]}` }
        : { ok: false, message: 'Must be YYYYMMDD.' };
    }
    case 'date_no_year': {
      const m = /^(\d{2})(\d{2})$/.exec(s);
      return m ? { ok: true, value: `${m[1]}-${m[2]}` } : { ok: false, message: 'Must be MMDD.' };
    }
    case 'multiselect':
      return {
        ok: true,
        value: s
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== ''),
      };
    case 'user':
      return /^\d+$/.test(s)
        ? { ok: true, value: Number(s) }
        : { ok: false, message: "Must be a person's numeric id." };
    default:
      return { ok: true, value: raw };
  }
}

/** Writes a JSON value in its CSV form. */
export function formatProfileCsv(def: ProfileFieldDef, value: ProfileValue | undefined): string {
  if (value === null || value === undefined) return '';
  switch (def.type) {
    case 'checkbox':
      return value === true ? 'Yes' : 'No';
    case 'datetime': {
      const d = new Date(String(value));
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
    }
    case 'date':
    case 'date_no_year':
      return String(value).replaceAll('-', '');
    case 'multiselect':
      return Array.isArray(value) ? value.join(',') : String(value);
    default:
      return String(value);
  }
}
