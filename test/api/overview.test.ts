import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('GET /overview', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ GATEHOUSE_SECRET_KEY: 'cd'.repeat(32) });
  });
  after(() => s.close());

  it('counts accounts by origin, authority and state, and the ways in use', async () => {
    const created = await s.request('POST', '/api/people/v2/users', {
      body: { username: 'ann', firstname: 'Ann', surname: 'Lee', email: 'ann@example.org' },
    });
    assert.equal(created.status, 201);
    const blocked = await s.request('POST', `/api/people/v2/users/${created.body.id}/block`, {
      body: {},
    });
    assert.equal(blocked.status, 200);
    const csv = 'username,firstname,surname,email\nbob,Bob,Ray,bob@example.org\n';
    const imported = await s.request('POST', '/api/people/v2/imports?mode=apply', {
      raw: csv,
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(imported.status, 201);

    const res = await s.request('GET', '/api/people/v2/overview');
    assert.equal(res.status, 200);
    const o = res.body;
    // admin (system), ann (api), bob (csv)
    assert.equal(o.total, 3);
    assert.equal(o.local, 3);
    assert.equal(o.synced, 0);
    const origin = (name: string) => o.by_origin.find((r: { origin: string }) => r.origin === name);
    assert.equal(origin('api').count, 1);
    assert.equal(origin('csv').count, 1);
    assert.equal(origin('sso').count, 0);
    assert.equal(origin('sso').last_created_at, null);
    assert.deepEqual(
      o.by_state.map((r: { state: string; count: number }) => [r.state, r.count]),
      [
        ['active', 2],
        ['blocked', 1],
        ['frozen', 0],
      ],
    );
    assert.equal(o.by_password_authority[0].authority, 'local');
    assert.equal(o.by_password_authority[0].count, 3);
    assert.equal(o.ways_in.csv.in_use, true);
    assert.equal(o.ways_in.csv.imports_applied, 1);
    assert.equal(o.ways_in.api.in_use, true);
    assert.equal(o.ways_in.api.keys_active, 1);
    assert.equal(o.ways_in.api.keys_used_recently, 1);
    assert.equal(o.ways_in.directories.in_use, false);
    assert.deepEqual(o.ways_in.sso.identity_providers, []);
  });

  it('lists each identity provider with its three provisioning options and the accounts it made', async () => {
    const mapping = {
      username: 'preferred_username',
      email: 'email',
      firstname: 'given_name',
      surname: 'family_name',
    };
    const make = async (body: Record<string, unknown>) => {
      const r = await s.request('POST', '/api/people/v2/identity-providers', {
        body: { type: 'oidc', issuer: 'https://op.example', attribute_mapping: mapping, ...body },
      });
      assert.equal(r.status, 201, r.text);
      return r.body.id as number;
    };
    const open = await make({
      name: 'Open OP',
      client_id: 'a',
      provision_on_first_login: true,
      provision_even_if_directories: true,
    });
    const closed = await make({
      name: 'Closed OP',
      client_id: 'b',
      not_found_redirect_url: 'https://intranet.example/request-access',
    });
    // Two first logins through the open one (the decision's own path: provisioned).
    for (const who of ['idp1', 'idp2']) {
      const out = await s.app.sso.complete({
        providerId: open,
        subject: `sub-${who}`,
        linkable: true,
        attributes: {
          preferred_username: [who],
          email: [`${who}@example.org`],
          given_name: ['I'],
          family_name: ['P'],
        },
      });
      assert.equal(out.outcome, 'provisioned');
    }
    const o = (await s.request('GET', '/api/people/v2/overview')).body;
    assert.equal(o.ways_in.sso.in_use, true);
    assert.deepEqual(
      o.ways_in.sso.identity_providers.map((p: Record<string, unknown>) => [
        p.id,
        p.protocol,
        p.provision_on_first_login,
        p.not_found_redirect_url,
        p.provision_even_if_directories,
        p.accounts,
      ]),
      [
        [closed, 'oidc', false, 'https://intranet.example/request-access', false, 0],
        [open, 'oidc', true, null, true, 2],
      ],
    );
    assert.equal(o.by_origin.find((r: { origin: string }) => r.origin === 'sso').count, 2);
  });

  it('lists each directory with its accounts, its schedule and its last run', async () => {
    const made = await s.request('POST', '/api/people/v2/directories', {
      body: {
        type: 'ldap',
        preset: 'openldap',
        name: 'Closed port',
        url: 'ldap://127.0.0.1:1',
        bind_dn: 'cn=nobody,dc=example,dc=test',
        bind_password: 'not-used',
        base_dn: 'dc=example,dc=test',
        schedule: { daily_at: '03:15' },
      },
    });
    assert.equal(made.status, 201, made.text);
    const before = (await s.request('GET', '/api/people/v2/overview')).body;
    const listed = before.ways_in.directories.list[0];
    assert.equal(before.ways_in.directories.in_use, true);
    assert.equal(listed.name, 'Closed port');
    assert.equal(listed.accounts, 0);
    assert.deepEqual(listed.schedule, { daily_at: '03:15' });
    assert.equal(listed.last_run, null);

    const run = await s.request('POST', `/api/people/v2/directories/${made.body.id}/sync`, {
      body: { dry_run: true },
    });
    assert.equal(run.body.status, 'failed');
    const after = (await s.request('GET', '/api/people/v2/overview')).body;
    const last = after.ways_in.directories.list[0].last_run;
    assert.equal(last.id, run.body.id);
    assert.equal(last.status, 'failed');
    assert.equal(last.dry_run, true);
    assert.ok(last.finished_at);
  });

  it('is for People administrators only, and is in the OpenAPI document', async () => {
    const user = await s.makeUser('carol');
    const res = await s.request('GET', '/api/people/v2/overview', { key: user.key });
    assert.equal(res.status, 403);
    const doc = await s.request('GET', '/api/people/v2/openapi.json');
    assert.ok(doc.body.paths['/api/people/v2/overview'].get);
  });
});
