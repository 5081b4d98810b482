/** Reads Gatehouse fields out of an IdP's claims or attributes through the provider's mapping. */
import type { AttributeMapping, MatchKey, VerifiedLogin } from './types.ts';

/** The mapping value that names the subject itself (OIDC sub, SAML NameID). */
export const SUBJECT_ATTRIBUTE = '$subject';

export interface MappedValues {
  username?: string;
  email?: string;
  fields: Record<string, string>;
  profile: Record<string, string>;
  /** Match keys whose value came from an attribute the IdP did not verify: not used to match. */
  unverified: MatchKey[];
}

function first(attrs: Record<string, string[]>, name: string): string | undefined {
  const exact = attrs[name];
  if (exact !== undefined) return exact.find((v) => v.trim() !== '')?.trim();
  // Claim names differ in case between IdPs' documentation and what they send.
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(attrs))
    if (k.toLowerCase() === lower) return v.find((x) => x.trim() !== '')?.trim();
  return undefined;
}

export function mapAttributes(
  mapping: AttributeMapping,
  login: Pick<VerifiedLogin, 'subject' | 'attributes' | 'unverified'>,
): MappedValues {
  const out: MappedValues = { fields: {}, profile: {}, unverified: [] };
  const unverified = new Set((login.unverified ?? []).map((a) => a.toLowerCase()));
  for (const [field, attr] of Object.entries(mapping)) {
    const v = attr === SUBJECT_ATTRIBUTE ? login.subject : first(login.attributes, attr);
    if (v === undefined || v === '') continue;
    if ((field === 'username' || field === 'email') && unverified.has(attr.toLowerCase()))
      out.unverified.push(field);
    if (field.startsWith('profile.')) out.profile[field.slice('profile.'.length)] = v;
    else out.fields[field] = v;
  }
  if (out.fields.username !== undefined) out.username = out.fields.username;
  if (out.fields.email !== undefined) out.email = out.fields.email;
  return out;
}
