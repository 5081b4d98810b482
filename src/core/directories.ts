/**
 * User directories (an LDAP connection, a SCIM connection) and external identity links.
 * The sync gates build on these; the core already enforces what a directory owns.
 */
import type { Store } from '../store/database.ts';
import { insertDirectory, listDirectories } from '../store/directory-repo.ts';
import { findPerson } from '../store/people-repo.ts';
import { identitiesOfPerson, insertIdentity, personForIdentity } from '../store/identity-repo.ts';
import { recordAudit } from '../audit/record.ts';
import { type Actor, nowIso } from './context.ts';
import { GatehouseError, fail } from './errors.ts';
import { OWNABLE_FIELDS } from './person.ts';
import { withUniqueErrors } from './uniqueness.ts';

export interface Directory {
  id: number;
  name: string;
  kind: string;
  owned_fields: string[];
  created_at: string;
}

export class DirectoriesService {
  constructor(private readonly store: Store) {}

  async list(): Promise<Directory[]> {
    return (await listDirectories(this.store.db)).map((d) => ({
      ...d,
      owned_fields: JSON.parse(d.owned_fields) as string[],
    }));
  }

  async create(
    actor: Actor,
    input: { name: string; kind: 'ldap' | 'scim'; owned_fields: string[] },
  ): Promise<Directory> {
    const allowed = new Set<string>(OWNABLE_FIELDS);
    const bad = input.owned_fields.filter((f) => !allowed.has(f) && !f.startsWith('profile.'));
    if (bad.length > 0)
      throw new GatehouseError('validation_failed', undefined, [
        { field: 'owned_fields', message: `Unknown fields: ${bad.join(', ')}.` },
      ]);
    const at = nowIso();
    const row = await this.store.db.transaction().execute(async (tx) => {
      const d = await insertDirectory(tx, input.name.trim(), input.kind, input.owned_fields, at);
      await recordAudit(tx, actor, {
        action: 'directory.create',
        targetType: 'directory',
        targetId: d.id,
        targetLabel: d.name,
        changes: {
          name: [null, d.name],
          kind: [null, d.kind],
          owned_fields: [null, input.owned_fields],
        },
        at,
      });
      return d;
    });
    return { ...row, owned_fields: input.owned_fields };
  }

  /** Links an external identity (provider, external id) to a person; each identity links to one person only. */
  async link(actor: Actor, personId: number, provider: string, externalId: string): Promise<void> {
    await withUniqueErrors(this.store.caps, () =>
      this.store.db.transaction().execute(async (tx) => {
        const p = await findPerson(tx, personId);
        if (!p) fail('not_found', `No person has id ${personId}.`);
        const at = nowIso();
        await insertIdentity(tx, provider, externalId, personId, at);
        await recordAudit(tx, actor, {
          action: 'identity.link',
          targetType: 'person',
          targetId: personId,
          targetLabel: p.username,
          changes: { identity: [null, `${provider}:${externalId}`] },
          at,
        });
      }),
    );
  }

  async personFor(provider: string, externalId: string): Promise<number | undefined> {
    return personForIdentity(this.store.db, provider, externalId);
  }

  async identitiesOf(
    personId: number,
  ): Promise<{ provider: string; external_id: string; created_at: string }[]> {
    return identitiesOfPerson(this.store.db, personId);
  }
}
