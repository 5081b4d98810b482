import type { Store } from '../store/database.ts';
import * as repo from '../store/people-repo.ts';
import { recordAudit } from '../audit/record.ts';
import { auditView } from './audit-view.ts';
import { type Actor, nowIso } from './context.ts';
import { fail } from './errors.ts';
import { personRow } from './person-checks.ts';

/**
 * Deletes a local account: its memberships, keys, sessions, photo and links go with it,
 * its direct reports lose their manager, and the audit trail keeps a copy of the record.
 * Synced accounts are refused: block them, or remove them from the directory.
 */
export async function deletePerson(
  store: Store,
  actor: Actor,
  id: number,
  opts: { ifVersion?: number | undefined },
): Promise<void> {
  await store.db.transaction().execute(async (tx) => {
    const current = await personRow(tx, id);
    if (opts.ifVersion !== undefined && opts.ifVersion !== current.version)
      fail('precondition_failed');
    if (current.directory_id !== null) {
      fail(
        'field_owned_by_directory',
        'This account is synced from a directory and cannot be deleted here. Remove it from the directory (it will be blocked), or block it.',
        { details: { fields: ['state'] } },
      );
    }
    if (actor.personId === id) fail('conflict', 'You cannot delete your own account.');
    // Direct reports lose their manager as a change of their own: new version, audit event.
    const at = nowIso();
    for (const sid of await repo.subordinateIds(tx, id)) {
      const sub = await personRow(tx, sid);
      await repo.updatePersonIfVersion(tx, sid, sub.version, {
        manager_id: null,
        updated_at: at,
      });
      await recordAudit(tx, actor, {
        action: 'person.set_manager',
        targetType: 'person',
        targetId: sid,
        targetLabel: sub.username,
        changes: { manager_id: [id, null] },
        at,
      });
    }
    await repo.deletePersonRow(tx, id);
    await recordAudit(tx, actor, {
      action: 'person.delete',
      targetType: 'person',
      targetId: id,
      targetLabel: current.username,
      changes: Object.fromEntries(
        Object.entries(auditView(current)).map(([k, v]) => [k, [v, null]]),
      ),
      at: nowIso(),
    });
  });
}
