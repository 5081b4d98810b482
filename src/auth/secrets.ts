/**
 * Secrets at rest (LDAP bind passwords, identity-provider client secrets, SP private keys):
 * AES-256-GCM under the key of GATEHOUSE_SECRET_KEY. A sealed value names the key it was
 * made with (the first bytes of the key's SHA-256), so a server started with another key
 * says so in words instead of failing to decrypt.
 *
 * Without a configured key, an embedded (SQLite) server makes one at first use and keeps it
 * beside its database, so the README's first command works as it is; a server on
 * PostgreSQL shares its database with other nodes, which must all hold the same key, so
 * there the missing key is an error when the first secret is saved (not at start: a
 * directory with no secrets needs none).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { GatehouseError } from '../core/errors.ts';
import { parseSecretKey } from './secret-key.ts';

const VERSION = 'v1';

export interface SecretBoxOptions {
  /** GATEHOUSE_SECRET_KEY as configured (validated by config). */
  configuredKey: string | undefined;
  /** Where an embedded server keeps a key it made; undefined when several nodes share the database. */
  keyFile: string | undefined;
  /** Told once when a key is made, so operators know to back it up. */
  onKeyCreated?: (file: string) => void;
}

export class SecretBox {
  private key: Buffer | undefined;

  constructor(private readonly opts: SecretBoxOptions) {
    if (opts.configuredKey !== undefined)
      this.key = parseSecretKey(opts.configuredKey) ?? undefined;
  }

  seal(plain: string): string {
    const key = this.keyForSealing();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      VERSION,
      keyId(key),
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      body.toString('base64'),
    ].join(':');
  }

  open(sealed: string): string {
    const parts = sealed.split(':');
    const [version, id, iv, tag, body] = parts;
    if (parts.length !== 5 || version !== VERSION || !id || !iv || !tag || body === undefined)
      throw new GatehouseError(
        'secret_key_wrong',
        'A stored secret is damaged (not in the sealed format). Save it again.',
      );
    const key = this.keyForOpening();
    if (keyId(key) !== id)
      throw new GatehouseError(
        'secret_key_wrong',
        `Stored secrets were encrypted with another key than GATEHOUSE_SECRET_KEY (key ${id}, this server has ${keyId(key)}). Start the server with the key they were saved with, or save the secrets again.`,
      );
    try {
      // The tag's length is fixed: otherwise a truncated tag (a few bytes) would be accepted,
      // and an altered secret would pass with a guessable one.
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), {
        authTagLength: 16,
      });
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new GatehouseError(
        'secret_key_wrong',
        'A stored secret does not decrypt with GATEHOUSE_SECRET_KEY: it was altered. Save it again.',
      );
    }
  }

  private keyForSealing(): Buffer {
    if (this.key) return this.key;
    const file = this.opts.keyFile;
    if (file === undefined) throw new GatehouseError('secret_key_missing');
    this.key = readKeyFile(file) ?? makeKeyFile(file, this.opts.onKeyCreated);
    return this.key;
  }

  private keyForOpening(): Buffer {
    if (this.key) return this.key;
    const file = this.opts.keyFile;
    const key = file === undefined ? undefined : readKeyFile(file);
    if (!key)
      throw new GatehouseError(
        'secret_key_missing',
        'Stored secrets cannot be read: GATEHOUSE_SECRET_KEY is not set. Start the server with the key they were saved with.',
      );
    this.key = key;
    return key;
  }
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function readKeyFile(file: string): Buffer | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const key = parseSecretKey(text);
  if (!key)
    throw new GatehouseError(
      'secret_key_wrong',
      `The key file ${file} is damaged: it must hold 64 hex digits. Restore it from a backup.`,
    );
  return key;
}

function makeKeyFile(file: string, told?: (file: string) => void): Buffer {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32);
  try {
    // 'wx': two processes making the key at once must not each keep their own.
    fs.writeFileSync(file, key.toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(file) ?? key;
    throw e;
  }
  told?.(file);
  return key;
}
