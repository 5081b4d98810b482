import type { Executor } from '../store/people-repo.ts';
import type { PersonRow, PersonRowUpdate } from '../store/schema.ts';
import { hashPassword, isSupportedHash, type Argon2Params } from '../auth/passwords.ts';
import { type Actor, nowIso } from './context.ts';
import { GatehouseError, fail, type FieldError } from './errors.ts';
import { assertNotOwned } from './person-checks.ts';
import { passwordProblem } from './password-policy.ts';
import type { SettingsService } from './settings.ts';

/**
 * The columns a new local password sets, once the rules allow it: the account's password is
 * its own (not its directory's or identity provider's) and the password meets the policy.
 * A forced change at next sign-in is only for someone else's password.
 */
export async function passwordChange(
  db: Executor,
  settings: SettingsService,
  argon2: Argon2Params,
  actor: Actor,
  current: PersonRow,
  password: string,
  mustChange: boolean,
): Promise<PersonRowUpdate> {
  if (current.directory_id !== null) await assertNotOwned(db, current, ['password'], actor);
  if (current.password_authority !== 'local') {
    fail(
      'conflict',
      current.password_authority === 'idp'
        ? "This account's password is managed by its identity provider; it has no local password."
        : "This account's password is managed by its directory; change it there.",
    );
  }
  const problem = passwordProblem(await settings.passwordPolicy(), password, current.username);
  if (problem)
    throw new GatehouseError('password_too_weak', problem, [
      { field: 'password', message: problem },
    ]);
  return {
    password_hash: await hashPassword(password, argon2),
    password_changed_at: nowIso(),
    must_change_password: mustChange && actor.personId !== current.id ? 1 : 0,
  };
}

/**
 * A new account's password hash: a given hash (argon2 or bcrypt, as imports carry them), or a
 * password hashed once it meets the policy; null when it has neither. What is wrong goes to
 * `errors` with the other fields' problems.
 */
export async function initialPassword(
  settings: SettingsService,
  argon2: Argon2Params,
  p: {
    password?: string | undefined;
    password_hash?: string | undefined;
    username?: string | undefined;
  },
  authority: string,
  errors: FieldError[],
): Promise<string | null> {
  if (p.password_hash !== undefined && p.password !== undefined) {
    errors.push({
      field: 'password',
      message: 'Give either a password or a password hash, not both.',
    });
    return null;
  }
  if (p.password_hash !== undefined) {
    if (!isSupportedHash(p.password_hash)) {
      errors.push({
        field: 'password_hash',
        message: 'Must be an argon2 or bcrypt hash ($argon2id$… or $2b$…).',
      });
    }
    return p.password_hash;
  }
  if (p.password === undefined) return null;
  if (authority !== 'local') {
    errors.push({
      field: 'password',
      message: 'This account has no local password: its password is managed elsewhere.',
    });
    return null;
  }
  const problem = passwordProblem(await settings.passwordPolicy(), p.password, p.username);
  if (problem) {
    errors.push({ field: 'password', message: problem });
    return null;
  }
  return hashPassword(p.password, argon2);
}
