import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SecretBox } from './secrets.ts';
import { GatehouseError } from '../core/errors.ts';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

function errorType(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof GatehouseError) return e.type;
    throw e;
  }
  return undefined;
}

test('a sealed secret opens with the same key and is not readable as it is', () => {
  const box = new SecretBox({ configuredKey: KEY_A, keyFile: undefined });
  const sealed = box.seal('bind-password-1');
  assert.ok(!sealed.includes('bind-password-1'));
  assert.notEqual(box.seal('bind-password-1'), sealed, 'a fresh IV per seal');
  assert.equal(box.open(sealed), 'bind-password-1');
});

test('another key is named as the problem, an altered secret too', () => {
  const sealed = new SecretBox({ configuredKey: KEY_A, keyFile: undefined }).seal('s');
  const other = new SecretBox({ configuredKey: KEY_B, keyFile: undefined });
  assert.throws(() => other.open(sealed), /GATEHOUSE_SECRET_KEY/);
  const box = new SecretBox({ configuredKey: KEY_A, keyFile: undefined });
  const parts = sealed.split(':');
  const body = Buffer.from(parts[4] ?? '', 'base64');
  body[0] = (body[0] ?? 0) ^ 1;
  parts[4] = body.toString('base64');
  assert.equal(
    errorType(() => box.open(parts.join(':'))),
    'secret_key_wrong',
  );
});

test('without a key and without a key file (PostgreSQL), saving a secret is a clear error', () => {
  const box = new SecretBox({ configuredKey: undefined, keyFile: undefined });
  assert.equal(
    errorType(() => box.seal('x')),
    'secret_key_missing',
  );
});

test('an embedded server makes its key once, keeps it private, and reads it back after a restart', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-secret-'));
  const file = path.join(dir, 'secret.key');
  const told: string[] = [];
  const first = new SecretBox({
    configuredKey: undefined,
    keyFile: file,
    onKeyCreated: (f) => told.push(f),
  });
  const sealed = first.seal('p');
  assert.deepEqual(told, [file]);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const again = new SecretBox({
    configuredKey: undefined,
    keyFile: file,
    onKeyCreated: (f) => told.push(f),
  });
  assert.equal(again.open(sealed), 'p');
  again.seal('q');
  assert.equal(told.length, 1, 'the key is made once');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a truncated authentication tag is refused (found in review)', () => {
  const box = new SecretBox({ configuredKey: KEY_A, keyFile: undefined });
  const parts = box.seal('the-bind-password').split(':');
  parts[3] = Buffer.from(parts[3] ?? '', 'base64')
    .subarray(0, 4)
    .toString('base64');
  assert.equal(
    errorType(() => box.open(parts.join(':'))),
    'secret_key_wrong',
  );
});
