/**
 * Adding or removing one person in a group or role. One request per change, touching only
 * that membership, so two administrators editing the same group at once do not overwrite
 * each other.
 */
import { call, client } from './api/client';

export async function setMembership(
  kind: 'groups' | 'roles',
  collectionId: number,
  personId: number,
  member: boolean,
): Promise<void> {
  const params = { path: { id: collectionId, person_id: personId } };
  const path = `/api/people/v2/${kind}/{id}/users/{person_id}` as const;
  await call(member ? client.PUT(path, { params }) : client.DELETE(path, { params }));
}
