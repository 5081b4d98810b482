/** Everything a process needs, built once from the configuration: store, core and auth services. */
import type { Config } from './config.ts';
import { openStore, migrate, type Store } from './store/database.ts';
import { Core } from './core/index.ts';
import { ApiKeysService } from './auth/api-keys.ts';
import { SessionsService } from './auth/sessions.ts';
import { SignInService } from './auth/sign-in.ts';
import type { Argon2Params } from './auth/passwords.ts';
import { SecretBox } from './auth/secrets.ts';
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
  // The LDAP gate (ldapts, TLS) is loaded at the first directory sign-in or SSO lookup: the
  // CLI's commands and sites without an LDAP directory never pay for it at start-up.
  signIn.useDirectoryPasswords({
    verify: async (directoryId, username, password) =>
      (await import('./gates/ldap/password-verifier.ts'))
        .ldapPasswordVerifier(core)
        .verify(directoryId, username, password),
  });
  const sso = new SsoService(store, new ProvidersService(store, secrets), core.people, {
    emailUnique: config.emailUnique,
  });
  // SSO's just-in-time sync: a person whose LDAP entry is not synced yet is not stranded.
  sso.directoryLookup = {
    lookup: async (by, ctx) =>
      (await import('./gates/ldap/just-in-time.ts')).ldapJustInTime(core).lookup(by, ctx),
  };
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
