/** SQL of LDAP group sync: which Gatehouse group each directory group (by stable id) made. */
import type { Executor } from './people-repo.ts';

export interface LinkedGroupRow {
  external_id: string;
  group_id: number;
  name: string;
  parent_id: number | null;
}

/** Every group a directory's group sync made, with its name and parent as they are now. */
export async function groupLinksOf(
  db: Executor,
  directoryId: number,
): Promise<Map<string, LinkedGroupRow>> {
  const rows = await db
    .selectFrom('directory_group_links as l')
    .innerJoin('groups as g', 'g.id', 'l.group_id')
    .select(['l.external_id', 'l.group_id', 'g.name', 'g.parent_id'])
    .where('l.directory_id', '=', directoryId)
    .execute();
  return new Map(rows.map((r) => [r.external_id, r]));
}

export async function insertGroupLink(
  db: Executor,
  link: { directory_id: number; external_id: string; group_id: number; created_at: string },
): Promise<void> {
  await db.insertInto('directory_group_links').values(link).execute();
}

/** Members (person ids) of each of the groups, in one query per 500 groups. */
export async function membersOfGroups(
  db: Executor,
  groupIds: number[],
): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>(groupIds.map((id) => [id, []]));
  for (let i = 0; i < groupIds.length; i += 500) {
    const rows = await db
      .selectFrom('group_members')
      .select(['group_id', 'person_id'])
      .where('group_id', 'in', groupIds.slice(i, i + 500))
      .execute();
    for (const r of rows) out.get(r.group_id)?.push(r.person_id);
  }
  return out;
}
