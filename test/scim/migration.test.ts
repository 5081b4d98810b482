/**
 * Migration 0018 (SCIM users keyed by directory and id, values under their user) on a
 * database that already holds SCIM users: every resource and value is kept, with its id,
 * and reads, filters, writes and the one-resource-per-account rule work on what was copied.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { freshDatabase } from '../helpers/engine.ts';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { batchRow, csvAdmin } from '../helpers/batch.ts';
import { migrate } from '../../src/store/database.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { DEFAULT_SCIM_MAPPING } from '../../src/core/scim/mapping.ts';
import { ScimUsers } from '../../src/core/scim/users.ts';
import { parseFilter } from '../../src/gates/scim/filter/parse.ts';
import { usernameKey } from '../../src/core/normalize.ts';
import { directoryProvider } from '../../src/core/sync/types.ts';

describe('migrations: 0018 on a database that already holds SCIM users', () => {
  it('keeps every resource and value, and they read, filter and write as new ones', async () => {
    const db = await freshDatabase();
    const app = await createApp(loadConfig({ LOG_LEVEL: 'silent', ...db.env }), {
      migrate: false,
    });
    try {
      await migrate(app.store, '0017_people_tally');
      const r = await app.core.batch.apply(
        csvAdmin,
        Array.from({ length: 3 }, (_, i) => batchRow(i + 2, `old${i}`)),
      );
      assert.equal(r.applied, true);
      const dir = await app.core.directories.createDirectory(SYSTEM_ACTOR, {
        name: 'Okta',
        type: 'scim',
        scim: { mapping: { ...DEFAULT_SCIM_MAPPING } },
        adopt_local_accounts: false,
        max_block_percent: 10,
        schedule: null,
      });
      const at = new Date().toISOString();
      const ids = r.outcomes.map(() => randomUUID());
      for (const [i, o] of r.outcomes.entries()) {
        // As a SCIM create left them: the directory's accounts, linked to their resources.
        await sql`UPDATE people SET directory_id = ${dir.id} WHERE id = ${o.person_id}`.execute(
          app.store.db,
        );
        await sql`INSERT INTO external_identities (provider, external_id, person_id, created_at)
          VALUES (${directoryProvider(dir.id)}, ${ids[i]}, ${o.person_id}, ${at})`.execute(
          app.store.db,
        );
        const userName = `old${i}`;
        const resource = JSON.stringify({
          userName,
          emails: [
            { value: userName, type: 'work', primary: true },
            { value: `home${i}@example.org`, type: 'home' },
          ],
        });
        await sql`INSERT INTO scim_users (scim_id, directory_id, person_id, user_name,
          user_name_key, active, resource, created_at, updated_at, version)
          VALUES (${ids[i]}, ${dir.id}, ${o.person_id}, ${userName}, ${usernameKey(userName)},
            1, ${resource}, ${at}, ${at}, 1)`.execute(app.store.db);
        for (const [value, type] of [
          [userName, 'work'],
          [`home${i}@example.org`, 'home'],
        ] as const)
          await sql`INSERT INTO scim_values (scim_id, directory_id, attr, type, is_primary,
            value, value_key) VALUES (${ids[i]}, ${dir.id}, 'emails', ${type},
            ${type === 'work' ? 1 : 0}, ${value}, ${value})`.execute(app.store.db);
      }

      assert.deepEqual(await migrate(app.store, '0018_scim_compact'), ['0018_scim_compact']);

      const seqs = await app.store.db
        .selectFrom('scim_values')
        .select(['scim_id', 'seq'])
        .orderBy('scim_id')
        .orderBy('seq')
        .execute();
      assert.equal(seqs.length, 6);
      for (const id of ids)
        assert.deepEqual(
          seqs.filter((s) => s.scim_id === id).map((s) => Number(s.seq)),
          [1, 2],
        );

      const users = new ScimUsers(app.store, app.core.directorySync, app.core.directories);
      assert.equal((await users.get(dir.id, ids[1]!)).user_name, 'old1');
      const byName = await users.list(dir.id, parseFilter('userName eq "OLD2"', 'User'), 0, 10);
      assert.deepEqual(
        byName.rows.map((u) => u.scim_id),
        [ids[2]],
      );
      const byHome = await users.list(
        dir.id,
        parseFilter('emails[type eq "home"].value eq "home0@example.org"', 'User'),
        0,
        10,
      );
      assert.deepEqual(
        byHome.rows.map((u) => u.scim_id),
        [ids[0]],
      );
      const all = await users.list(dir.id, undefined, 0, 10);
      assert.deepEqual(all.rows.map((u) => u.scim_id).sort(), [...ids].sort());

      // A replace of a copied user rewrites its values under its key.
      const actor = { ...SYSTEM_ACTOR, label: 'directory:Okta', gate: 'scim' as const };
      await users.replace(actor, dir.id, ids[0]!, {
        userName: 'old0',
        name: { givenName: 'Old', familyName: 'Zero' },
        emails: [{ value: 'new0@example.org', type: 'work', primary: true }],
      });
      const values = await app.store.db
        .selectFrom('scim_values')
        .select(['value', 'seq'])
        .where('scim_id', '=', ids[0]!)
        .where('attr', '=', 'emails')
        .execute();
      assert.deepEqual(
        values.map((v) => v.value),
        ['new0@example.org'],
      );
      // The copied account already has its resource: a create of its userName is refused.
      await assert.rejects(
        users.create(actor, dir.id, {
          userName: 'old1',
          name: { givenName: 'Old', familyName: 'One' },
        }),
        {
          type: 'scim_uniqueness',
        },
      );
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
