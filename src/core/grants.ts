/** Administrator grants: sysadmin, People administrator, login-handler administrator. */
import type { Store } from '../store/database.ts';
import { addGrant, countGrantHolders, grantsOf, removeGrant } from '../store/auth-repo.ts';
import { findPerson } from '../store/people-repo.ts';
import { recordAudit } from '../audit/record.ts';
import { type Actor, nowIso } from './context.ts';
import { fail } from './errors.ts';
import { GRANTS, type Grant } from '../auth/permissions.ts';

export class GrantsService {
  constructor(private readonly store: Store) {}

  list(personId: number): Promise<string[]> {
    return grantsOf(this.store.db, personId);
  }

  async set(actor: Actor, personId: number, grant: Grant, on: boolean): Promise<string[]> {
    if (!GRANTS.includes(grant))
      fail(
        'validation_failed',
        `Unknown grant "${String(grant)}". Use one of: ${GRANTS.join(', ')}.`,
      );
    await this.store.db.transaction().execute(async (tx) => {
      const person = await findPerson(tx, personId);
      if (!person) fail('not_found', `No person has id ${personId}.`);
      if (on) {
        if (await addGrant(tx, personId, grant, nowIso())) {
          await recordAudit(tx, actor, {
            action: 'grant.add',
            targetType: 'person',
            targetId: personId,
            targetLabel: person.username,
            changes: { [grant]: [false, true] },
          });
        }
      } else {
        if (
          grant === 'sysadmin' &&
          (await countGrantHolders(tx, 'sysadmin')) <= 1 &&
          (await grantsOf(tx, personId)).includes('sysadmin')
        ) {
          fail('conflict', 'This is the last sysadmin; grant sysadmin to someone else first.');
        }
        if (await removeGrant(tx, personId, grant)) {
          await recordAudit(tx, actor, {
            action: 'grant.remove',
            targetType: 'person',
            targetId: personId,
            targetLabel: person.username,
            changes: { [grant]: [true, false] },
          });
        }
      }
    });
    return this.list(personId);
  }
}
