import type { NewPersonRow } from '../store/schema.ts';
import type { Executor } from '../store/people-repo.ts';
import type { Argon2Params } from '../auth/passwords.ts';
import { nowIso } from './context.ts';
import type { FieldError } from './errors.ts';
import { checkPersonFields, newPersonRow, tidy, type NewPerson } from './person.ts';
import { initialPassword } from './person-password.ts';
import type { ProfileFieldsService } from './profile-fields.ts';
import type { SettingsService } from './settings.ts';

/**
 * A new person's row and what is wrong with it, everything done that can be done before a
 * write: the fields checked, the password hashed, the profile validated. `db` is the
 * transaction a caller already holds (a directory's entry): reads go through it, since on
 * SQLite a read on the store's one connection would wait for that very transaction to end.
 */
export async function prepareNewPerson(
  settings: SettingsService,
  profileFields: ProfileFieldsService,
  opts: { emailUnique: boolean; argon2: Argon2Params },
  input: NewPerson,
  db: Executor,
): Promise<{ row: NewPersonRow; errors: FieldError[] }> {
  const p = tidy(input);
  const errors = checkPersonFields(p, true);
  const authority = p.password_authority ?? (p.directory_id ? 'directory' : 'local');
  const passwordHash = await initialPassword(settings, opts.argon2, p, authority, errors);
  const profile = await profileFields.validate(p.profile ?? {}, {}, errors, db);
  await profileFields.requireAll(profile, errors, db);
  const at = nowIso();
  const row = newPersonRow(
    {
      username: p.username ?? '',
      user_code: p.user_code,
      firstname: p.firstname,
      surname: p.surname,
      email: p.email,
      job_title: p.job_title,
      department: p.department,
      office: p.office,
      phone: p.phone,
      mobile: p.mobile,
      manager_id: p.manager_id,
      extranet_id: p.extranet_id,
      state: p.state ?? 'active',
      blocked_by: p.state === 'blocked' ? 'admin' : null,
      blocked_by_person_id: null,
      directory_id: p.directory_id ?? null,
      password_authority: authority,
      password_hash: passwordHash,
      must_change_password: p.must_change_password,
      origin: 'system',
      origin_source: p.origin_source ?? null,
      profile,
    },
    opts.emailUnique,
    at,
  );
  return { row, errors };
}
