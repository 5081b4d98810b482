/** Everything a process needs, built once from the configuration: store, core and auth services. */
import type { Config } from './config.ts';
import { openStore, migrate, type Store } from './store/database.ts';
import { Core } from './core/index.ts';
import { ApiKeysService } from './auth/api-keys.ts';
import { SessionsService } from './auth/sessions.ts';
import { SignInService } from './auth/sign-in.ts';
import type { Argon2Params } from './auth/passwords.ts';

export interface App {
  config: Config;
  store: Store;
  core: Core;
  apiKeys: ApiKeysService;
  sessions: SessionsService;
  signIn: SignInService;
  close(): Promise<void>;
}

export async function createApp(
  config: Config,
  opts: { migrate?: boolean; sqliteFile?: string } = {},
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
  const core = new Core(store, { emailUnique: config.emailUnique, argon2 });
  return {
    config,
    store,
    core,
    apiKeys: new ApiKeysService(store),
    sessions: new SessionsService(store, config.sessionHours),
    signIn: new SignInService(store, core.settings, argon2),
    close: () => store.close(),
  };
}
