/**
 * Retiring a directory: the accounts it owns become local accounts. They keep their id,
 * fields, groups and history; the directory kept their password, so none is usable until
 * an administrator sets one (or the person resets it). An account the directory had blocked
 * stays blocked, now as an administrator's block, so it does not come back by surprise.
 */
import type { Store } from '../../store/database.ts';
import { auditRow } from '../../audit/record.ts';
import { insertManyAuditRows } from '../../store/audit-repo.ts';
import { releaseOwnedAccounts } from '../../store/sync-repo.ts';
import { type Actor, nowIso } from '../context.ts';
import { directoryProvider } from './types.ts';

export async function releaseAccounts(
  store: Store,
  actor: Actor,
  directoryId: number,
  directoryName: string,
): Promise<{ released: number }> {
  const at = nowIso();
  return store.db.transaction().execute(async (tx) => {
    const owned = await releaseOwnedAccounts(tx, directoryId, directoryProvider(directoryId), at);
    await insertManyAuditRows(
      tx,
      store.caps,
      owned.map((p) =>
        auditRow(actor, {
          action: 'person.release',
          targetType: 'person',
          targetId: p.id,
          targetLabel: p.username,
          changes: {
            directory: [directoryName, null],
            password_authority: ['directory', 'local'],
            ...(p.state === 'blocked' && p.blocked_by === 'directory'
              ? { blocked_by: ['directory', 'admin'] }
              : {}),
          },
          at,
        }),
      ),
      4000,
    );
    return { released: owned.length };
  });
}
