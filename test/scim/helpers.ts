/** A test server with a SCIM directory and its token, and a SCIM client for it. */
import { startTestServer, type TestServer, type TestResponse } from '../helpers/server.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { createScimToken } from '../../src/core/scim/tokens.ts';
import { DEFAULT_SCIM_MAPPING } from '../../src/core/scim/mapping.ts';

export interface ScimServer extends TestServer {
  directoryId: number;
  token: string;
  scim(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<TestResponse>;
  /** Another SCIM directory with its own token. */
  addDirectory(name: string, adopt?: boolean): Promise<{ id: number; token: string }>;
}

export async function startScimServer(opts: { adopt?: boolean } = {}): Promise<ScimServer> {
  const s = await startTestServer();
  const addDirectory = async (name: string, adopt = opts.adopt ?? false) => {
    const d = await s.app.core.directories.createDirectory(SYSTEM_ACTOR, {
      name,
      type: 'scim',
      scim: { mapping: { ...DEFAULT_SCIM_MAPPING } },
      adopt_local_accounts: adopt,
      max_block_percent: 10,
      schedule: null,
    });
    const { token } = await createScimToken(s.app.store.db, d.id, s.url);
    return { id: d.id, token };
  };
  const first = await addDirectory('Okta');
  const scim: ScimServer['scim'] = (method, path, body, headers = {}) =>
    s.request(method, `/scim/v2${path}`, {
      key: null,
      headers: {
        authorization: `Bearer ${headers.token ?? first.token}`,
        ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        ...Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'token')),
      },
      ...(body !== undefined
        ? { raw: typeof body === 'string' ? body : JSON.stringify(body) }
        : {}),
    });
  return Object.assign(s, { directoryId: first.id, token: first.token, scim, addDirectory });
}

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** A user as Okta's SCIM 2.0 guide creates one. */
export function oktaUser(userName: string, extra: Record<string, unknown> = {}) {
  const [given, family] = userName.split('@')[0]!.split('.');
  return {
    schemas: [USER],
    userName,
    name: { givenName: given ?? 'Given', familyName: family ?? 'Family' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId: `00u${Math.random().toString(36).slice(2, 12)}`,
    groups: [],
    password: 'IdP-chosen-password-1',
    active: true,
    ...extra,
  };
}
