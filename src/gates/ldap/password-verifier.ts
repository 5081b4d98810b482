/** Sign-in for accounts an LDAP directory owns: bind as the entry (bind.ts), verdict for auth/sign-in. */
import type { Core } from '../../core/index.ts';
import type { DirectoryCheck, DirectoryPasswordVerifier } from '../../auth/directory-password.ts';
import { ldapTarget } from './directory.ts';
import { verifyPassword } from './bind.ts';

const UNAVAILABLE = new Set([
  'connection_refused',
  'timeout',
  'tls',
  'base_dn_not_found',
  'bad_filter',
  'size_limit',
  'partial_results',
  'other',
]);

export function ldapPasswordVerifier(core: Core): DirectoryPasswordVerifier {
  return {
    async verify(directoryId, username, password): Promise<DirectoryCheck> {
      const t = await ldapTarget(core, directoryId);
      const r = await verifyPassword(t.conn, t.search, username, password);
      if (r.ok) return { ok: true };
      if (r.kind === 'invalid_credentials') return { ok: false, kind: 'wrong' };
      if (UNAVAILABLE.has(r.kind)) return { ok: false, kind: 'unavailable', message: r.message };
      return { ok: false, kind: 'refused', message: r.message };
    },
  };
}
