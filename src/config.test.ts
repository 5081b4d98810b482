import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, SETTINGS, loadConfig, settingsMarkdown } from './config.ts';

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.emailUnique, true);
    assert.equal(c.argon2MemoryKib, 19456);
  });
  it('stops with a sentence that names a wrong setting', () => {
    assert.throws(
      () => loadConfig({ PORT: 'abc' }),
      (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message),
    );
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT must be between 0 and 65535/);
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'mysql://x' }),
      /DATABASE_URL must start with postgres:\/\//,
    );
    assert.throws(
      () => loadConfig({ GATEHOUSE_EMAIL_UNIQUE: 'maybe' }),
      /GATEHOUSE_EMAIL_UNIQUE must be true or false/,
    );
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
    assert.throws(() => loadConfig({ GATEHOUSE_ADMIN_PASSWORD: 'short' }), /at least 8/);
  });
  it('documents every setting', () => {
    const md = settingsMarkdown();
    for (const v of [
      'PORT',
      'HOST',
      'DATABASE_URL',
      'GATEHOUSE_DATA_DIR',
      'GATEHOUSE_ADMIN_PASSWORD',
      'REDIS_URL',
    ])
      assert.ok(md.includes(`\`${v}\``), v);
  });
  it('is documented in the README, every setting', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const s of Object.values(SETTINGS))
      assert.ok(readme.includes(`\`${s.env}\``), `README lacks ${s.env}`);
  });
});
