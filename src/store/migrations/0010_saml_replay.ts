import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run on an untyped schema by design */
/**
 * SAML: the replay cache of assertion ids and the service provider's own keys.
 *
 * The replay cache is a table, not a process's memory: a response must be accepted once
 * across every node sharing the database. The insert is the check (a unique conflict is a
 * replay), so two nodes receiving the same response at once cannot both accept it. A row
 * is kept until its assertion could no longer be accepted anyway (NotOnOrAfter + skew).
 *
 * The SP's signing and encryption keys are made at first use and shared by all nodes;
 * the private key is sealed with the server's secret key (src/auth/secrets.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('saml_replay')
    // `<provider id>:<assertion ID>`: one IdP's ids cannot block another's.
    .addColumn('assertion_key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('saml_replay_expires_idx')
    .on('saml_replay')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('saml_sp_keys')
    // 'signing' | 'encryption'
    .addColumn('use', 'text', (c) => c.primaryKey())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('sealed_private_key', 'text', (c) => c.notNull())
    .addColumn('not_after', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
