/**
 * `gatehouse directories sync` with group sync: the output names the group counts, and a
 * group the sync could not apply (a name a local group has) makes the exit code 4, as an
 * entry in error does.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { ldapSubtree, withRoot, type LdapSubtree } from '../helpers/slapd.ts';
import { cliFixture, type CliFixture } from './harness.ts';

describe('CLI: gatehouse directories sync with groups', () => {
  let f: CliFixture;
  let t: LdapSubtree;
  before(async () => {
    f = await cliFixture({ GATEHOUSE_SECRET_KEY: 'ef'.repeat(32) });
    t = await ldapSubtree('cli');
    const people = await t.addOu('people');
    const groups = await t.addOu('groups');
    const ann = await t.addUser(
      { uid: 'ann', givenName: 'Ann', sn: 'A', mail: 'ann@example.test' },
      'people',
    );
    await withRoot(t.info, async (c) => {
      await c.add(`cn=crew,${groups}`, {
        objectClass: ['groupOfNames'],
        cn: 'crew',
        member: [ann],
      });
      await c.add(`cn=local,${groups}`, {
        objectClass: ['groupOfNames'],
        cn: 'local',
        member: [ann],
      });
    });
    await f.app.core.groups.create(SYSTEM_ACTOR, { name: 'local' });
    await f.app.core.directories.createDirectory(SYSTEM_ACTOR, {
      type: 'ldap',
      name: 'Cli LDAP',
      adopt_local_accounts: true,
      max_block_percent: 10,
      schedule: null,
      bind_password: t.info.bindPassword,
      ldap: {
        url: t.info.url,
        start_tls: false,
        ca_certificate: null,
        bind_dn: t.info.bindDn,
        base_dn: people,
        user_filter: '(objectClass=inetOrgPerson)',
        id_attribute: 'entryUUID',
        username_attribute: 'uid',
        active_directory: false,
        mapping: { firstname: 'givenName', surname: 'sn', email: 'mail' },
        sync_group_dn: null,
        group_base_dn: groups,
        group_filter: '(objectClass=groupOfNames)',
      },
    });
  });
  after(async () => {
    await f.close();
  });

  it('prints the group counts, names the refused group, and exits 4', async () => {
    const r = await f.cli(['directories', 'sync', 'Cli LDAP']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stdout, /completed\. created 1, .*errors 0; groups: created 1, .*errors 1/);
    const json = await f.cli(['directories', 'sync', 'Cli LDAP', '--json']);
    assert.equal(json.code, 4, json.stderr);
    const report = JSON.parse(json.stdout) as { groups: { errors: number; created: number } };
    assert.deepEqual([report.groups.created, report.groups.errors], [0, 1]);
  });
});
