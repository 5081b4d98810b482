/** Administrator grants: sysadmin, People administrator, login-handler administrator. */
import type { Store } from '../store/database.ts';
import { addGrant, countGrantHolders, grantsOf, removeGrant } from '../store/auth-repo.ts';
import { findPerson, type Executor } from '../store/people-repo.ts';
import { recordAudit } from '../audit/record.ts';
import { type Actor, nowIso } from './context.ts';
import { fail } from './errors.ts';
import { GRANTS, type Grant } from '../auth/permissions.ts';

export class GrantsService {
  constructor(private readonly store: Store) {}

  list(personId: number): Promise<string[]> {
    return grantsOf(this.store.db, personId);
  }

  set(actor: Actor, personId: number, grant: Grant, on: boolean): Promise<string[]> {
    return this.setMany(actor, personId, { [grant]: on });
  }

  /** Adds and removes several grants in one transaction: all of them, or none. */
  async setMany(
    actor: Actor,
    personId: number,
    changes: Partial<Record<Grant, boolean>>,
  ): Promise<string[]> {
    for (const grant of Object.keys(changes))
      if (!GRANTS.includes(grant as Grant))
        fail('validation_failed', `Unknown grant "${grant}". Use one of: ${GRANTS.join(', ')}.`);
    await this.store.db.transaction().execute(async (tx) => {
      const person = await findPerson(tx, personId);
      if (!person) fail('not_found', `No person has id ${personId}.`);
      for (const [grant, on] of Object.entries(changes) as [Grant, boolean | undefined][]) {
        if (on !== undefined) await this.setIn(tx, actor, person, grant, on);
      }
    });
    return this.list(personId);
  }

  private async setIn(
    tx: Executor,
    actor: Actor,
    person: { id: number; username: string },
    grant: Grant,
    on: boolean,
  ): Promise<void> {
    const personId = person.id;
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
  }
}
