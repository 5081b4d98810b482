/**
 * The SAML service provider's own key pairs: one to sign AuthnRequests, one the IdP
 * encrypts assertions to. Made at first use, stored in the database with the private key
 * sealed (app.secrets), so every node serves the same metadata and can decrypt what the
 * IdP sent to any of them. Rollover (a second pair published before the switch) is later
 * work; docs/sso.md says how to replace a pair today.
 */
import type { App } from '../../../app.ts';
import { insertSpKeyIfAbsent, readSpKeys } from '../../../store/saml-replay-repo.ts';
import { makeSelfSigned } from './certificate.ts';

export interface SpKeyPair {
  certificatePem: string;
  privateKeyPem: string;
}

export interface SpKeys {
  signing: SpKeyPair;
  encryption: SpKeyPair;
}

const cache = new WeakMap<App, Promise<SpKeys>>();

/** The SP's keys, made and stored on the first call of any node; cached per process. */
export function spKeys(app: App): Promise<SpKeys> {
  let keys = cache.get(app);
  if (!keys) {
    keys = loadOrCreate(app);
    // A failure (say, no secret key configured yet) is not cached: the next login tries again.
    keys.catch(() => cache.delete(app));
    cache.set(app, keys);
  }
  return keys;
}

async function loadOrCreate(app: App): Promise<SpKeys> {
  let rows = await readSpKeys(app.store.db);
  for (const use of ['signing', 'encryption'] as const) {
    if (rows.some((r) => r.use === use)) continue;
    const pair = makeSelfSigned(`Gatehouse SAML SP ${use}`);
    await insertSpKeyIfAbsent(app.store.db, {
      use,
      certificate: pair.certificatePem,
      sealed_private_key: app.secrets.seal(pair.privateKeyPem),
      not_after: pair.notAfter.toISOString(),
      created_at: new Date().toISOString(),
    });
  }
  // Read again: when two nodes made keys at once, the pair stored first is everyone's.
  rows = await readSpKeys(app.store.db);
  const pair = (use: 'signing' | 'encryption'): SpKeyPair => {
    const row = rows.find((r) => r.use === use);
    if (!row) throw new Error(`The SAML ${use} key is missing after it was stored.`);
    return {
      certificatePem: row.certificate,
      privateKeyPem: app.secrets.open(row.sealed_private_key),
    };
  };
  return { signing: pair('signing'), encryption: pair('encryption') };
}
