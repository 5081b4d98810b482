/**
 * Directory ownership: a synced account's state, password and mapped fields belong to its
 * directory. Only that directory's sync may change them.
 */
import type { Actor } from './context.ts';
import { GatehouseError } from './errors.ts';

export interface OwnedAccount {
  directory_id: number | null;
}

/** Fields a directory always owns on the accounts it syncs, besides its mapping. */
export const ALWAYS_OWNED = ['state', 'password'] as const;

export function ownedFields(account: OwnedAccount, mapping: readonly string[]): Set<string> {
  if (account.directory_id === null) return new Set();
  return new Set([...ALWAYS_OWNED, ...mapping]);
}

/** Which of `touched` the actor may not change on this account (empty when allowed). */
export function forbiddenOwnedFields(
  account: OwnedAccount,
  mapping: readonly string[],
  touched: Iterable<string>,
  actor: Actor,
): string[] {
  if (account.directory_id === null || actor.directoryId === account.directory_id) return [];
  const owned = ownedFields(account, mapping);
  return [...new Set(touched)].filter(
    (f) => owned.has(f) || (f.startsWith('profile.') && owned.has(f)),
  );
}

export function ownedFieldsError(fields: string[], directoryName: string): GatehouseError {
  return new GatehouseError(
    'field_owned_by_directory',
    `These fields are managed by the directory "${directoryName}" that syncs this account: ${fields.join(', ')}. Change them there, or remove them from the request.`,
    fields.map((f) => ({ field: f, message: `Managed by the directory "${directoryName}".` })),
    { fields, directory: directoryName },
  );
}
