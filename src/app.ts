/** Everything a process needs, built once from the configuration: store, core and auth services. */
import type { Config } from './config.ts';
import { openStore, migrate, type Store } from './store/database.ts';
import { Core } from './core/index.ts';
import { ApiKeysService } from './auth/api-keys.ts';
import { SessionsService } from './auth/sessions.ts';
import { SignInService } from './auth/sign-in.ts';
import type { Argon2Params } from './auth/passwords.ts';
import { SecretBox } from './auth/secrets.ts';
import { ldapPasswordVerifier } from './gates/ldap/password-verifier.ts';
import { ldapJustInTime } from './gates/ldap/just-in-time.ts';
import path from 'node:path';
import { ProvidersService } from './core/sso/providers.ts';
import { SsoService } from './core/sso/service.ts';

export interface App {
  config: Config;
  store: Store;
  core: Core;
  apiKeys: ApiKeysService;
  sessions: SessionsService;
  signIn: SignInService;
  /** Encrypts secrets at rest (bind passwords, IdP secrets). */
  secrets: SecretBox;
  /** The SSO login handler: identity providers and the first-login decision. */
  sso: SsoService;
  close(): Promise<void>;
}

export async function createApp(
  config: Config,
  opts: {
    migrate?: boolean;
    sqliteFile?: string;
    /** Told when an embedded server makes its secret key (the server logs it). */
    onSecretKeyCreated?: (file: string) => void;
  } = {},
): Promise<App> {
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...(opts.sqliteFile ? { sqliteFile: opts.sqliteFile } : {}),
  });
  if (opts.migrate !== false) await migrate(store);
  const argon2: Argon2Params = {
    memoryKib: config.argon2MemoryKib,
    iterations: config.argon2Iterations,
  };
  const secrets = new SecretBox({
    configuredKey: config.secretKey,
    // Only an embedded database may keep its own key: nodes sharing PostgreSQL need one key.
    keyFile: config.databaseUrl === undefined ? path.join(config.dataDir, 'secret.key') : undefined,
    onKeyCreated:
      opts.onSecretKeyCreated ??
      ((file) =>
        process.emitWarning(
          `Made a secret key for stored secrets in ${file}; back it up with the database, or set GATEHOUSE_SECRET_KEY.`,
        )),
  });
  const core = new Core(store, {
    emailUnique: config.emailUnique,
    argon2,
    secrets: () => secrets,
  });
  const signIn = new SignInService(store, core.settings, argon2);
  // ldapts itself is loaded at the first directory connection (gates/ldap/ldapts.ts).
  signIn.useDirectoryPasswords(ldapPasswordVerifier(core));
  const sso = new SsoService(store, new ProvidersService(store, secrets), core.people, {
    emailUnique: config.emailUnique,
  });
  // SSO's just-in-time sync: a person whose LDAP entry is not synced yet is not stranded.
  sso.directoryLookup = ldapJustInTime(core);
  return {
    config,
    store,
    core,
    sso,
    apiKeys: new ApiKeysService(store),
    sessions: new SessionsService(store, config.sessionHours),
    signIn,
    secrets,
    close: () => store.close(),
  };
}
