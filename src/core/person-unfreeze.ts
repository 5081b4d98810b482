import type { Store } from '../store/database.ts';
import type { PersonRow } from '../store/schema.ts';
import * as repo from '../store/people-repo.ts';
import { recordAudit } from '../audit/record.ts';
import { type Actor, nowIso } from './context.ts';
import { fail } from './errors.ts';
import { personRow } from './person-checks.ts';
import { effectiveState } from './person.ts';

/** Ends a sign-in lockout before it expires, with its failure count; other states are left as they are. */
export async function unfreezePerson(store: Store, actor: Actor, id: number): Promise<PersonRow> {
  return store.db.transaction().execute(async (tx) => {
    const current = await personRow(tx, id);
    if (current.state !== 'frozen') return current;
    const at = nowIso();
    const next = await repo.updatePersonIfVersion(tx, id, current.version, {
      state: 'active',
      frozen_until: null,
      failed_logins: 0,
      updated_at: at,
    });
    if (!next) fail('precondition_failed');
    await recordAudit(tx, actor, {
      action: 'person.unfreeze',
      targetType: 'person',
      targetId: id,
      targetLabel: current.username,
      changes: { state: [effectiveState(current), 'active'] },
      at,
    });
    return next;
  });
}
