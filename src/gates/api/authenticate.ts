/**
 * Who is calling: an API key (`Authorization: Bearer ghk_…`) or a console session cookie.
 * Cookie-authenticated writes must carry the session's CSRF token in `X-CSRF-Token`.
 */
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { App } from '../../app.ts';
import { fail } from '../../core/errors.ts';
import { constantTimeEqual } from '../../auth/tokens.ts';
import { grantsOf } from '../../store/auth-repo.ts';

export const SESSION_COOKIE = 'gh_session';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function authenticator(app: App) {
  return async (req: FastifyRequest): Promise<void> => {
    req.principal = null;
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!m) fail('unauthenticated', 'Send the API key as "Authorization: Bearer <key>".');
      const owner = await app.apiKeys.authenticate(m[1]!);
      if (!owner)
        fail(
          'unauthenticated',
          'The API key is not valid: it may be revoked or expired, or its owner blocked.',
        );
      req.principal = {
        personId: owner.personId,
        username: owner.username,
        grants: new Set(owner.grants), // read with the key, in one query
        via: 'api_key',
        apiKeyId: owner.keyId,
        mustChangePassword: false,
      };
      return;
    }
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return;
    const session = await app.sessions.authenticate(token);
    if (!session) return;
    if (!SAFE.has(req.method)) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !constantTimeEqual(sent, session.csrfToken ?? ''))
        fail('csrf_failed');
    }
    req.principal = { ...session, grants: new Set(await grantsOf(app.store.db, session.personId)) };
  };
}
