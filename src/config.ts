/**
 * Every setting Gatehouse reads, from the environment, validated once at start.
 * The table below is the single source for validation and for the README's settings table
 * (`gatehouse config --docs` prints it).
 */
import path from 'node:path';
import { parseSecretKey } from './auth/secret-key.ts';

type Kind =
  | { kind: 'string' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'url'; protocols: string[] };

interface Setting<K extends Kind = Kind> {
  env: string;
  description: string;
  default?: string;
  secret?: boolean;
  type: K;
}

const int = (min: number, max: number) => ({ kind: 'int' as const, min, max });
const str = { kind: 'string' as const };
const bool = { kind: 'bool' as const };

export const SETTINGS = {
  port: {
    env: 'PORT',
    description: 'TCP port the server listens on.',
    default: '8080',
    type: int(0, 65535),
  },
  host: {
    env: 'HOST',
    description: 'Address the server binds to.',
    default: '127.0.0.1',
    type: str,
  },
  dataDir: {
    env: 'GATEHOUSE_DATA_DIR',
    description: 'Folder for the embedded SQLite database (used when DATABASE_URL is not set).',
    default: './data',
    type: str,
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    description: 'postgres://user:pass@host:port/db to run on PostgreSQL instead of SQLite.',
    type: { kind: 'url' as const, protocols: ['postgres:', 'postgresql:'] },
    secret: true,
  },
  publicUrl: {
    env: 'GATEHOUSE_PUBLIC_URL',
    description:
      'External base URL (e.g. https://people.example.org), used for absolute links in API answers. Defaults to the request host.',
    type: { kind: 'url' as const, protocols: ['http:', 'https:'] },
  },
  secretKey: {
    env: 'GATEHOUSE_SECRET_KEY',
    description:
      'Key that encrypts stored secrets (LDAP bind passwords, identity-provider secrets): 32 random bytes as 64 hex digits or base64 (`openssl rand -hex 32`). On SQLite, when unset, a key is made at first use and kept in the data folder (secret.key); on PostgreSQL it must be set before the first secret is saved, the same on every node.',
    type: str,
    secret: true,
  },
  adminUsername: {
    env: 'GATEHOUSE_ADMIN_USERNAME',
    description: 'Username of the first administrator, created on an empty database.',
    default: 'admin',
    type: str,
  },
  adminPassword: {
    env: 'GATEHOUSE_ADMIN_PASSWORD',
    description:
      'Password of the first administrator. Without it, no administrator is created and the log says how to create one with the CLI.',
    type: str,
    secret: true,
  },
  emailUnique: {
    env: 'GATEHOUSE_EMAIL_UNIQUE',
    description:
      'Whether two accounts may not share an email address (compared case-insensitively).',
    default: 'true',
    type: bool,
  },
  sessionHours: {
    env: 'GATEHOUSE_SESSION_HOURS',
    description: 'Console sessions end after this many hours without use.',
    default: '12',
    type: int(1, 24 * 30),
  },
  cookieSecure: {
    env: 'GATEHOUSE_COOKIE_SECURE',
    description: 'Mark the session cookie Secure (set true behind HTTPS).',
    default: 'false',
    type: bool,
  },
  trustProxy: {
    env: 'GATEHOUSE_TRUST_PROXY',
    description: 'Trust X-Forwarded-* headers (set true behind a reverse proxy).',
    default: 'false',
    type: bool,
  },
  bodyLimitBytes: {
    env: 'GATEHOUSE_BODY_LIMIT_BYTES',
    description: 'Largest JSON request body accepted; larger bodies get 413.',
    default: String(1024 * 1024),
    type: int(1024, 1024 * 1024 * 1024),
  },
  importLimitBytes: {
    env: 'GATEHOUSE_IMPORT_LIMIT_BYTES',
    description:
      'Largest CSV file accepted by the import API (POST /api/people/v2/imports); larger files get 413.',
    default: String(64 * 1024 * 1024),
    type: int(1024, 2 * 1024 * 1024 * 1024 - 1),
  },
  photoLimitBytes: {
    env: 'GATEHOUSE_PHOTO_LIMIT_BYTES',
    description: 'Largest profile photo accepted.',
    default: String(5 * 1024 * 1024),
    type: int(1024, 100 * 1024 * 1024),
  },
  signInPerMinute: {
    env: 'GATEHOUSE_SIGNIN_RATE_PER_MINUTE',
    description: 'Sign-in attempts allowed per client address per minute.',
    default: '20',
    type: int(1, 1_000_000),
  },
  ssoPerMinute: {
    env: 'GATEHOUSE_SSO_RATE_PER_MINUTE',
    description:
      'SSO login starts and callbacks (OIDC, SAML) allowed per client address per minute.',
    default: '60',
    type: int(1, 1_000_000),
  },
  argon2MemoryKib: {
    env: 'GATEHOUSE_ARGON2_MEMORY_KIB',
    description: "argon2id memory cost in KiB (OWASP's recommendation: 19456).",
    default: '19456',
    type: int(8192, 4 * 1024 * 1024),
  },
  argon2Iterations: {
    env: 'GATEHOUSE_ARGON2_ITERATIONS',
    description: "argon2id time cost (OWASP's recommendation: 2).",
    default: '2',
    type: int(1, 20),
  },
  syncCheckSeconds: {
    env: 'GATEHOUSE_SYNC_CHECK_SECONDS',
    description:
      'How often each server checks which directories are due for a scheduled sync (the run itself takes a database lease, so one node runs it).',
    default: '30',
    type: int(1, 3600),
  },
  redisUrl: {
    env: 'REDIS_URL',
    description: 'redis://host:port; when set, rate limits are shared by all nodes through Redis.',
    type: { kind: 'url' as const, protocols: ['redis:', 'rediss:'] },
    secret: true,
  },
  logLevel: {
    env: 'LOG_LEVEL',
    description: 'fatal, error, warn, info, debug, trace or silent.',
    default: 'info',
    type: str,
  },
} satisfies Record<string, Setting>;

type Settings = typeof SETTINGS;
type ValueOf<K extends Kind> = K extends { kind: 'int' }
  ? number
  : K extends { kind: 'bool' }
    ? boolean
    : string;
export type Config = {
  [P in keyof Settings]: Settings[P] extends { default: string }
    ? ValueOf<Settings[P]['type']>
    : ValueOf<Settings[P]['type']> | undefined;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseOne(setting: Setting, raw: string): string | number | boolean {
  const t = setting.type;
  switch (t.kind) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) {
        throw new ConfigError(`${setting.env} must be a whole number, not "${raw}".`);
      }
      const n = Number(raw);
      if (n < t.min || n > t.max) {
        throw new ConfigError(`${setting.env} must be between ${t.min} and ${t.max}, not ${n}.`);
      }
      return n;
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw new ConfigError(`${setting.env} must be true or false, not "${raw}".`);
    }
    case 'url': {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw new ConfigError(
          `${setting.env} must be a URL such as ${t.protocols[0]}//…, not "${raw}".`,
        );
      }
      if (!t.protocols.includes(u.protocol)) {
        throw new ConfigError(
          `${setting.env} must start with ${t.protocols.map((p) => p + '//').join(' or ')}, not "${u.protocol}//".`,
        );
      }
      return raw.replace(/\/+$/, '');
    }
  }
}

/** Reads and validates the configuration; throws ConfigError naming the first wrong setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [string, Setting][]) {
    const raw = env[setting.env];
    const value = raw === undefined || raw === '' ? setting.default : raw;
    out[key] = value === undefined ? undefined : parseOne(setting, value);
  }
  const config = out as Config;
  if (!LOG_LEVELS.includes(config.logLevel)) {
    throw new ConfigError(
      `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${config.logLevel}".`,
    );
  }
  if (config.adminPassword !== undefined && config.adminPassword.length < 8) {
    throw new ConfigError('GATEHOUSE_ADMIN_PASSWORD must be at least 8 characters long.');
  }
  if (config.secretKey !== undefined && parseSecretKey(config.secretKey) === null) {
    throw new ConfigError(
      'GATEHOUSE_SECRET_KEY must be 32 bytes written as 64 hex digits or as base64 (make one with `openssl rand -hex 32`).',
    );
  }
  config.dataDir = path.resolve(config.dataDir);
  return config;
}

/** The settings table in Markdown, for the README. */
export function settingsMarkdown(): string {
  const rows = (Object.values(SETTINGS) as Setting[]).map(
    (s) =>
      `| \`${s.env}\` | ${s.default === undefined ? '—' : `\`${s.default}\``} | ${s.description} |`,
  );
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}
