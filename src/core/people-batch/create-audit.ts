/**
 * The audit changes of a new person, as the JSON text its `person.create` event stores:
 * exactly `JSON.stringify(redact(diff(null, auditView(row))))` (each audited field that has a
 * value, as `[null, value]`, secrets redacted), written directly.
 *
 * Why: building the audit view, an array pair per field and then the JSON of it was about
 * 7 µs a row, a tenth of a 100,000-row CSV apply's own CPU; this writes the same text from the
 * row's values in about a fifth of that. create-audit.test.ts compares the two on rows with
 * every kind of value (quotes, controls, lone surrogates, profile values, password hashes).
 */
import { isSecretField } from '../../audit/record.ts';
import type { NewPersonRow } from '../../store/schema.ts';
import { isAuditedColumn } from '../audit-view.ts';

/** Strings JSON writes as they are, between quotes: no quote, backslash, control or surrogate. */
// eslint-disable-next-line no-control-regex -- the controls are what JSON escapes
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
const REDACTED = '["[redacted]","[redacted]"]';

/** `"field":[null,value]` (or the redacted pair), as JSON.stringify writes it. */
function pair(field: string, value: unknown): string {
  const name = PLAIN.test(field) ? `"${field}"` : JSON.stringify(field);
  if (isSecretField(field)) return `${name}:${REDACTED}`;
  const json =
    typeof value === 'string' && PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
  return `${name}:[null,${json}]`;
}

/** The stored JSON of a new person's audit changes (null when none, as auditRow gives). */
export function createChangesJson(row: NewPersonRow): string | null {
  const fields = row as unknown as Record<string, unknown>;
  let out = '';
  // auditView's order: the row's audited columns, then password, then profile.
  for (const column of Object.keys(fields)) {
    if (!isAuditedColumn(column)) continue;
    const value = fields[column];
    if (value === null || value === undefined) continue;
    out += (out === '' ? '{' : ',') + pair(column, value);
  }
  if (row.password_hash !== undefined && row.password_hash !== null)
    out += (out === '' ? '{' : ',') + pair('password', '[set]');
  if (row.profile !== undefined) {
    // The stored profile text, read as auditView reads it (its JSON again is the same value).
    const profile = row.profile === '{}' ? {} : (JSON.parse(row.profile) as unknown);
    if (profile !== null) out += (out === '' ? '{' : ',') + pair('profile', profile);
  }
  return out === '' ? null : out + '}';
}
