/** A person's photo: replaced in one transaction with the person's new version and its audit event. */
import type { Store } from '../store/database.ts';
import * as repo from '../store/people-repo.ts';
import { readPhoto, replacePhoto } from '../store/photo-repo.ts';
import { recordAudit } from '../audit/record.ts';
import { type Actor, nowIso } from './context.ts';
import { fail } from './errors.ts';
import { assertNotOwned, personRow } from './person-checks.ts';
import { toPerson, type Person } from './person.ts';

export async function setPersonPhoto(
  store: Store,
  actor: Actor,
  id: number,
  contentType: string,
  data: Buffer,
): Promise<Person> {
  const row = await store.db.transaction().execute(async (tx) => {
    const current = await personRow(tx, id);
    await assertNotOwned(tx, current, ['photo'], actor);
    const at = nowIso();
    await replacePhoto(tx, id, contentType, data, at);
    const next = await repo.updatePersonIfVersion(tx, id, current.version, {
      has_photo: 1,
      updated_at: at,
    });
    if (!next) fail('precondition_failed');
    await recordAudit(tx, actor, {
      action: 'person.set_photo',
      targetType: 'person',
      targetId: id,
      targetLabel: current.username,
      changes: {
        photo: [current.has_photo === 1 ? 'set' : null, `${contentType}, ${data.length} bytes`],
      },
      at,
    });
    return next;
  });
  return toPerson(row);
}

export function personPhoto(
  store: Store,
  id: number,
): Promise<{ contentType: string; data: Buffer } | undefined> {
  return readPhoto(store.db, id);
}
