/** Turns a unique-index violation from either engine into the catalogue's error. */
import type { Capabilities } from '../store/capabilities.ts';
import { GatehouseError } from './errors.ts';

const BY_TARGET: Record<
  string,
  {
    type:
      | 'username_taken'
      | 'user_code_taken'
      | 'email_taken'
      | 'name_taken'
      | 'external_identity_taken';
    field: string;
  }
> = {
  username_key: { type: 'username_taken', field: 'username' },
  user_code: { type: 'user_code_taken', field: 'user_code' },
  email_key: { type: 'email_taken', field: 'email' },
  name_key: { type: 'name_taken', field: 'name' },
  name: { type: 'name_taken', field: 'name' },
  external_id: { type: 'external_identity_taken', field: 'external_id' },
};

export function translateUnique(caps: Capabilities, err: unknown): unknown {
  const v = caps.uniqueViolation(err);
  if (!v) return err;
  const known = BY_TARGET[v.target];
  if (!known) return new GatehouseError('conflict');
  return new GatehouseError(known.type, undefined, [
    { field: known.field, message: 'Already taken.' },
  ]);
}

/**
 * The error for values already taken, naming every field at fault; the first by
 * importance (username, then user code, then email) gives the type.
 */
export function takenError(columns: string[]): GatehouseError {
  const known = columns.map((c) => BY_TARGET[c]).filter((k) => k !== undefined);
  const first = known[0];
  if (!first) return new GatehouseError('conflict');
  return new GatehouseError(
    first.type,
    undefined,
    known.map((k) => ({ field: k.field, message: 'Already taken by another account.' })),
  );
}

/** Runs `fn`, turning unique violations into catalogue errors. */
export async function withUniqueErrors<T>(caps: Capabilities, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateUnique(caps, err);
  }
}
