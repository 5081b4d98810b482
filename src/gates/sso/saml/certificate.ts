/**
 * Self-signed X.509 certificates for the SP's own keys.
 *
 * Node's crypto makes key pairs and signs, but cannot write a certificate. A SAML
 * certificate is only a carrier for the public key (IdPs pin it from our metadata; no chain,
 * no extensions), so we write the few DER structures of RFC 5280 ourselves rather than add
 * a dependency (@peculiar/x509 brings ten packages and a reflection polyfill; the openssl
 * command is not in every container). The unit test checks the result with Node's own
 * X509Certificate parser and with `openssl x509`.
 */
import { X509Certificate, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out: number[] = [40 * (a ?? 0) + (b ?? 0)];
  for (const n of rest) {
    const chunk: number[] = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128))
      chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}

function name(commonName: string): Buffer {
  // SET OF { SEQUENCE { id-at-commonName, UTF8String } }
  return seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))));
}

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), Buffer.from([0x05, 0x00]));

export interface SelfSignedPair {
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** Certificate PEM. */
  certificatePem: string;
  notAfter: Date;
}

/** A new RSA 2048 key pair and a self-signed certificate for it (SHA-256), valid `years`. */
export function makeSelfSigned(commonName: string, years = 10, now = new Date()): SelfSignedPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40; // positive, no leading zero byte needed
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + years);
  const tbs = seq(
    // version v1 (no extensions): the field is then omitted
    tlv(0x02, serial),
    SHA256_WITH_RSA,
    name(commonName),
    seq(time(notBefore), time(notAfter)),
    name(commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const certificatePem = toPem(der, 'CERTIFICATE');
  // Parse it back: a certificate we cannot read ourselves must not reach an IdP.
  const parsed = new X509Certificate(certificatePem);
  if (!parsed.verify(publicKey)) throw new Error('The self-signed certificate does not verify.');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem,
    notAfter,
  };
}

function toPem(der: Buffer, label: string): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** The base64 body of a PEM certificate (or a bare base64 certificate), no whitespace. */
export function certificateBody(cert: string): string {
  return cert
    .replace(/-----BEGIN CERTIFICATE-----/g, '')
    .replace(/-----END CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
}

/** A PEM certificate from PEM or bare base64 (what metadata's X509Certificate holds). */
export function certificatePem(cert: string): string {
  return toPem(Buffer.from(certificateBody(cert), 'base64'), 'CERTIFICATE');
}
