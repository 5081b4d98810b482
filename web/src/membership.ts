/** Adding or removing one person in a group or role: the API sets whole member lists. */
import { call, client } from './api/client';

export async function setMembership(
  kind: 'groups' | 'roles',
  collectionId: number,
  personId: number,
  member: boolean,
): Promise<void> {
  const params = { path: { id: collectionId } };
  const current = await call(client.GET(`/api/people/v2/${kind}/{id}/users`, { params }));
  const has = current.ids.includes(personId);
  if (has === member) return;
  const ids = member ? [...current.ids, personId] : current.ids.filter((i) => i !== personId);
  await call(client.PUT(`/api/people/v2/${kind}/{id}/users`, { params, body: { ids } }));
}
