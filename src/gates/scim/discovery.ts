/** /ServiceProviderConfig, /ResourceTypes and /Schemas (RFC 7644 §4, RFC 7643 §5–7). */
import {
  ENTERPRISE_ATTRIBUTES,
  ENTERPRISE_SCHEMA,
  GROUP_ATTRIBUTES,
  GROUP_SCHEMA,
  USER_ATTRIBUTES,
  USER_SCHEMA,
  type AttrDef,
} from './attributes.ts';
import type { JsonObject } from './patch.ts';
import { FILTER_MAX_RESULTS } from './limits.ts';

export function serviceProviderConfig(base: string): JsonObject {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://github.com/gatehouse/gatehouse/blob/main/docs/scim.md',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: FILTER_MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description:
          'The token shown when the SCIM directory was made (or its token rotated), as "Authorization: Bearer <token>".',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${base}/ServiceProviderConfig`,
    },
  };
}

export function resourceTypes(base: string): JsonObject[] {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'A person: a Gatehouse account synced from this directory.',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'A Gatehouse group owned by this directory.',
      schema: GROUP_SCHEMA,
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` },
    },
  ];
}

function attribute(d: AttrDef): JsonObject {
  const out: JsonObject = {
    name: d.name,
    type: d.type,
    multiValued: d.multiValued ?? false,
    description: d.description ?? '',
    required: d.required ?? false,
    caseExact: d.caseExact ?? false,
    mutability: d.mutability ?? 'readWrite',
    returned: d.returned ?? 'default',
    uniqueness: d.uniqueness ?? 'none',
  };
  if (d.subAttributes) out.subAttributes = d.subAttributes.map(attribute);
  if (d.type === 'reference') out.referenceTypes = ['external'];
  return out;
}

export function schemas(base: string): JsonObject[] {
  const one = (id: string, name: string, attrs: AttrDef[]): JsonObject => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id,
    name,
    description: `${name} as Gatehouse stores it`,
    attributes: attrs.map(attribute),
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
  });
  return [
    one(USER_SCHEMA, 'User', USER_ATTRIBUTES),
    one(ENTERPRISE_SCHEMA, 'EnterpriseUser', ENTERPRISE_ATTRIBUTES),
    one(GROUP_SCHEMA, 'Group', GROUP_ATTRIBUTES),
  ];
}
