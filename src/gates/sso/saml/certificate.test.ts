import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { certificateBody, certificatePem, makeSelfSigned } from './certificate.ts';

test('a self-signed certificate parses, names its subject and carries the key pair', () => {
  const now = new Date('2026-12-04T12:00:00Z');
  const pair = makeSelfSigned('Gatehouse SP signing', 10, now);
  const cert = new X509Certificate(pair.certificatePem);
  assert.equal(cert.subject, 'CN=Gatehouse SP signing');
  assert.equal(cert.issuer, 'CN=Gatehouse SP signing');
  assert.equal(new Date(cert.validTo).getUTCFullYear(), 2036);
  assert.ok(new Date(cert.validFrom) <= now);
  // The private key signs what the certificate's public key verifies.
  const data = Buffer.from('hello');
  const sig = sign('sha256', data, createPrivateKey(pair.privateKeyPem));
  assert.ok(verify('sha256', data, cert.publicKey, sig));
  assert.ok(cert.verify(createPublicKey(pair.privateKeyPem)));
});

test('openssl reads the certificate as a valid self-signed one', () => {
  const pair = makeSelfSigned('Gatehouse SP encryption');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-cert-'));
  const file = path.join(dir, 'c.pem');
  fs.writeFileSync(file, pair.certificatePem);
  const out = execFileSync('openssl', ['verify', '-check_ss_sig', '-CAfile', file, file], {
    encoding: 'utf8',
  });
  assert.match(out, /OK/);
  fs.rmSync(dir, { recursive: true });
});

test('dates after 2049 use GeneralizedTime', () => {
  const pair = makeSelfSigned('late', 30, new Date('2040-01-01T00:00:00Z'));
  assert.equal(new Date(new X509Certificate(pair.certificatePem).validTo).getUTCFullYear(), 2070);
});

test('a bare base64 certificate (as in metadata) becomes PEM and back', () => {
  const pair = makeSelfSigned('x');
  const body = certificateBody(pair.certificatePem);
  assert.doesNotMatch(body, /\s|-/);
  assert.equal(certificatePem(body), pair.certificatePem);
});
