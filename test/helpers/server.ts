/**
 * A real Gatehouse server on a fresh database and a random port, with a People
 * administrator ("admin") and an API key for them, for HTTP tests.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { buildServer } from '../../src/server.ts';
import { createAdministrator } from '../../src/bootstrap.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { freshDatabase } from './engine.ts';

export const ADMIN_PASSWORD = 'admin-password-1';

export interface TestServer {
  url: string;
  app: App;
  adminId: number;
  adminKey: string;
  /** Sends a request; JSON bodies are encoded, JSON answers decoded. */
  request(
    method: string,
    path: string,
    opts?: {
      body?: unknown;
      key?: string | null;
      headers?: Record<string, string>;
      raw?: string | Buffer | FormData;
    },
  ): Promise<TestResponse>;
  /** Makes a person (through the core) with an API key; grants as given. */
  makeUser(
    username: string,
    grants?: ('sysadmin' | 'people_admin' | 'login_handler_admin')[],
  ): Promise<{ id: number; key: string }>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  // Tests read answers field by field; the shape is asserted there.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const db = await freshDatabase();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    GATEHOUSE_SIGNIN_RATE_PER_MINUTE: '1000',
    ...db.env,
    ...env,
  });
  const app = await createApp(config);
  const server = await buildServer(app, { logger: false });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  const adminId = await createAdministrator(app, SYSTEM_ACTOR, 'admin', ADMIN_PASSWORD);
  const adminKey = (await app.apiKeys.create(SYSTEM_ACTOR, adminId, 'tests', null)).key;

  const request: TestServer['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? adminKey : opts.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | Buffer | FormData | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = undefined;
    if ((res.headers.get('content-type') ?? '').includes('json') && text !== '')
      parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  return {
    url,
    app,
    adminId,
    adminKey,
    request,
    async makeUser(username, grants = []) {
      const p = await app.core.people.create(SYSTEM_ACTOR, {
        username,
        firstname: username,
        surname: 'Test',
        email: `${username}@example.org`,
        password: 'user-password-1',
      });
      for (const g of grants) await app.core.grants.set(SYSTEM_ACTOR, p.id, g, true);
      const { key } = await app.apiKeys.create(SYSTEM_ACTOR, p.id, 'tests', null);
      return { id: p.id, key };
    },
    async close() {
      await server.close();
      await app.close();
      await db.drop();
    },
  };
}
