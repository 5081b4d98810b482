/** Finds the person a command names: by username (as sign-in compares it), or by numeric id. */
import type { App } from '../app.ts';
import { GatehouseError, fail } from '../core/errors.ts';
import type { Person } from '../core/person.ts';

export async function resolvePerson(app: App, ref: string): Promise<Person> {
  const byName = await app.core.people.findByUsername(ref);
  if (byName) return byName;
  // A username may itself be all digits, so the username is tried first.
  if (/^\d{1,15}$/.test(ref.trim())) {
    const id = Number(ref.trim());
    try {
      return await app.core.people.get(id);
    } catch (err) {
      // not found: fall through to the sentence that names both
      if (!(err instanceof GatehouseError && err.type === 'not_found')) throw err;
    }
  }
  fail('not_found', `No person has the username or id "${ref}".`);
}
