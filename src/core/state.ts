/**
 * Account state transitions, one rule for every gate:
 * - anyone who may write people can block an account (an administrator may block a synced
 *   account in an emergency); the block records who did it;
 * - a block made by an administrator is never lifted by a sync;
 * - a block made by a directory is lifted only by that directory (its entry coming back).
 */
import type { PersonRow, PersonRowUpdate } from '../store/schema.ts';
import type { Actor } from './context.ts';
import { effectiveState } from './person.ts';

export type StateTarget = 'active' | 'blocked';

export type Transition =
  | { kind: 'none' }
  | { kind: 'owned' }
  | { kind: 'change'; update: PersonRowUpdate; from: string; to: StateTarget };

function syncing(actor: Actor, current: Pick<PersonRow, 'directory_id'>): boolean {
  return actor.directoryId !== undefined && actor.directoryId === current.directory_id;
}

export function stateTransition(
  current: PersonRow,
  to: StateTarget,
  actor: Actor,
  reason: string | null,
): Transition {
  const from = effectiveState(current);
  if (to === 'blocked') {
    if (current.state === 'blocked') return { kind: 'none' };
    return {
      kind: 'change',
      from,
      to,
      update: {
        state: 'blocked',
        frozen_until: null,
        blocked_by: syncing(actor, current) ? 'directory' : 'admin',
        blocked_reason: reason,
        blocked_by_person_id: actor.personId,
      },
    };
  }
  if (current.state !== 'blocked') return { kind: 'none' };
  if (syncing(actor, current) && current.blocked_by !== 'directory') return { kind: 'none' };
  if (
    !syncing(actor, current) &&
    current.directory_id !== null &&
    current.blocked_by === 'directory'
  )
    return { kind: 'owned' };
  return {
    kind: 'change',
    from,
    to,
    update: {
      state: 'active',
      blocked_by: null,
      blocked_reason: null,
      blocked_by_person_id: null,
      failed_logins: 0,
    },
  };
}
