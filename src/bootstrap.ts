/** First administrator on an empty database, from GATEHOUSE_ADMIN_USERNAME / GATEHOUSE_ADMIN_PASSWORD. */
import type { App } from './app.ts';
import { SYSTEM_ACTOR, type Actor } from './core/context.ts';
import { countPeople } from './store/people-repo.ts';

export async function createAdministrator(
  app: App,
  actor: Actor,
  username: string,
  password: string,
  names: { firstname?: string; surname?: string; email?: string } = {},
): Promise<number> {
  const person = await app.core.people.create(actor, {
    username,
    password,
    firstname: names.firstname ?? 'Site',
    surname: names.surname ?? 'Administrator',
    email: names.email ?? `${username.replace(/[^A-Za-z0-9._-]/g, '')}@localhost.invalid`,
  });
  await app.core.grants.setMany(actor, person.id, { sysadmin: true, people_admin: true });
  return person.id;
}

/** Returns a sentence for the log. */
export async function ensureFirstAdministrator(app: App): Promise<string | null> {
  if ((await countPeople(app.store.db)) > 0) return null;
  const { adminUsername, adminPassword } = app.config;
  if (!adminPassword) {
    return `The database has no accounts yet. Create the first administrator with: npx gatehouse admin create --username ${adminUsername}  (or set GATEHOUSE_ADMIN_PASSWORD and restart).`;
  }
  await createAdministrator(app, SYSTEM_ACTOR, adminUsername, adminPassword);
  return `Created the first administrator "${adminUsername}" (sysadmin and People administrator).`;
}
