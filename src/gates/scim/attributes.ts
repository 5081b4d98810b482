/**
 * The attributes of SCIM's User and Group resources that Gatehouse stores, and how each is
 * compared (RFC 7643 §4.1, §4.2, §4.3): the filter parser resolves names against this
 * catalogue (an attribute not in it is 400 invalidFilter) and /Schemas describes it.
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export type AttrType = 'string' | 'boolean' | 'dateTime' | 'reference' | 'complex';

export interface AttrDef {
  name: string;
  type: AttrType;
  multiValued?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned?: 'always' | 'never' | 'default' | 'request';
  uniqueness?: 'none' | 'server';
  required?: boolean;
  subAttributes?: AttrDef[];
  description?: string;
}

const s = (name: string, extra: Partial<AttrDef> = {}): AttrDef => ({
  name,
  type: 'string',
  ...extra,
});

const multi = (name: string, description: string): AttrDef => ({
  name,
  type: 'complex',
  multiValued: true,
  description,
  subAttributes: [s('value'), s('display'), s('type'), { name: 'primary', type: 'boolean' }],
});

export const USER_ATTRIBUTES: AttrDef[] = [
  s('userName', { required: true, uniqueness: 'server', description: 'The sign-in name.' }),
  {
    name: 'name',
    type: 'complex',
    subAttributes: [
      s('formatted'),
      s('familyName'),
      s('givenName'),
      s('middleName'),
      s('honorificPrefix'),
      s('honorificSuffix'),
    ],
  },
  s('displayName'),
  s('nickName'),
  s('profileUrl', { type: 'reference' }),
  s('title'),
  s('userType'),
  s('preferredLanguage'),
  s('locale'),
  s('timezone'),
  { name: 'active', type: 'boolean' },
  s('password', { mutability: 'writeOnly', returned: 'never' }),
  multi('emails', 'Email addresses; the primary or work one is the account email.'),
  multi('phoneNumbers', 'Phone numbers; work is the phone, mobile the mobile.'),
  {
    name: 'groups',
    type: 'complex',
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [s('value', { mutability: 'readOnly' }), s('display')],
  },
];

export const ENTERPRISE_ATTRIBUTES: AttrDef[] = [
  s('employeeNumber'),
  s('costCenter'),
  s('organization'),
  s('division'),
  s('department'),
  {
    name: 'manager',
    type: 'complex',
    subAttributes: [s('value'), s('displayName', { mutability: 'readOnly' })],
  },
];

export const GROUP_ATTRIBUTES: AttrDef[] = [
  s('displayName', { required: true }),
  {
    name: 'members',
    type: 'complex',
    multiValued: true,
    subAttributes: [s('value', { mutability: 'immutable' }), s('display'), s('type')],
  },
];

export type ResourceKind = 'User' | 'Group';

/** How a filter may address an attribute: its canonical path and comparison rules. */
export interface FilterAttr {
  /** Canonical path: 'userName', 'name.givenName', 'emails', `${ENTERPRISE_SCHEMA}:department`. */
  path: string;
  type: AttrType;
  caseExact: boolean;
  /** Multi-valued complex attributes: their sub-attributes, addressed in value paths. */
  subs?: Map<string, FilterAttr>;
}

function common(): FilterAttr[] {
  return [
    { path: 'id', type: 'string', caseExact: true },
    { path: 'externalId', type: 'string', caseExact: true },
    { path: 'meta.created', type: 'dateTime', caseExact: false },
    { path: 'meta.lastModified', type: 'dateTime', caseExact: false },
    { path: 'meta.resourceType', type: 'string', caseExact: true },
  ];
}

function subMap(defs: AttrDef[] | undefined): Map<string, FilterAttr> {
  return new Map(
    (defs ?? []).map((d) => [
      d.name.toLowerCase(),
      { path: d.name, type: d.type, caseExact: d.caseExact ?? false },
    ]),
  );
}

function flatten(defs: AttrDef[], prefix: string): FilterAttr[] {
  const out: FilterAttr[] = [];
  for (const d of defs) {
    if (d.returned === 'never' || d.name === 'groups') continue;
    const path = prefix + d.name;
    if (d.multiValued)
      out.push({ path, type: 'complex', caseExact: false, subs: subMap(d.subAttributes) });
    else if (d.type === 'complex')
      for (const sub of d.subAttributes ?? [])
        out.push({
          path: `${path}.${sub.name}`,
          type: sub.type,
          caseExact: sub.caseExact ?? false,
        });
    else out.push({ path, type: d.type, caseExact: d.caseExact ?? false });
  }
  return out;
}

function catalogue(list: FilterAttr[]): Map<string, FilterAttr> {
  return new Map(list.map((a) => [a.path.toLowerCase(), a]));
}

export const FILTER_ATTRIBUTES: Record<ResourceKind, Map<string, FilterAttr>> = {
  User: catalogue([
    ...common(),
    ...flatten(USER_ATTRIBUTES, ''),
    ...flatten(ENTERPRISE_ATTRIBUTES, `${ENTERPRISE_SCHEMA}:`),
  ]),
  Group: catalogue([...common(), ...flatten(GROUP_ATTRIBUTES, '')]),
};

/** The core schema URN of a resource kind (an attribute path may start with it). */
export function coreSchemaOf(kind: ResourceKind): string {
  return kind === 'User' ? USER_SCHEMA : GROUP_SCHEMA;
}
