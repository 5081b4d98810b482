import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../helpers/app.ts';
import type { App } from '../../src/app.ts';
import { SYSTEM_ACTOR } from '../../src/core/context.ts';
import { GatehouseError } from '../../src/core/errors.ts';

const gate = { gate: 'console' as const };

async function failsWith(p: Promise<unknown>, type: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof GatehouseError && e.type === type);
}

describe('sign-in lockout', () => {
  let app: App & { dispose(): Promise<void> };
  let id: number;
  before(async () => {
    app = await startTestApp();
    await app.core.settings.setPasswordPolicy(SYSTEM_ACTOR, {
      attemptsAllowed: 3,
      lockoutMinutes: 5,
    });
    id = (
      await app.core.people.create(SYSTEM_ACTOR, {
        username: 'lou',
        firstname: 'L',
        surname: 'O',
        email: 'lou@example.org',
        password: 'the-right-password',
      })
    ).id;
  });
  after(async () => {
    await app.dispose();
  });

  it('freezes after the allowed attempts, refusing even the right password', async () => {
    for (let i = 0; i < 3; i++)
      await failsWith(app.signIn.signIn('lou', 'wrong-password', gate), 'invalid_credentials');
    assert.equal((await app.core.people.get(id)).state, 'frozen');
    await failsWith(app.signIn.signIn('lou', 'the-right-password', gate), 'invalid_credentials');
  });

  it('counts from zero again once the lockout has passed', async () => {
    await app.store.db
      .updateTable('people')
      .set({ frozen_until: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', id)
      .execute();
    assert.equal((await app.core.people.get(id)).state, 'active');
    await failsWith(app.signIn.signIn('lou', 'wrong-password', gate), 'invalid_credentials');
    assert.equal(
      (await app.core.people.get(id)).state,
      'active',
      'one failure after a lockout must not freeze again',
    );
    const ok = await app.signIn.signIn('lou', 'the-right-password', gate);
    assert.equal(ok.personId, id);
  });

  it('records every sign-in in the audit log, with the reason of a failure', async () => {
    const failures = await app.core.audit.list(
      { action: 'session.sign_in', outcome: 'failure', targetId: String(id) },
      0,
      50,
    );
    assert.ok(failures.total >= 5);
    assert.ok(failures.data.some((e) => JSON.stringify(e.changes).includes('account frozen')));
    const unknown = app.signIn.signIn('nobody-here', 'whatever-password', gate);
    await failsWith(unknown, 'invalid_credentials');
  });

  it('writes the console session with the success: a session that cannot be written leaves no success behind', async () => {
    const lastLogin = async () => (await app.core.people.get(id)).last_login_at;
    const successes = () =>
      app.core.audit
        .list({ action: 'session.sign_in', outcome: 'success', targetId: String(id) }, 0, 1)
        .then((r) => r.total);
    const [before, counted] = [await lastLogin(), await successes()];
    // A session of a person who does not exist breaks the sessions table's foreign key: on
    // PostgreSQL inside the one statement that also records the success, on SQLite inside
    // the transaction.
    await assert.rejects(
      app.signIn.signIn('lou', 'the-right-password', gate, (personId) => {
        const s = app.sessions.newSession(personId, {});
        return { ...s, row: { ...s.row, person_id: 999_999_999 } };
      }),
    );
    assert.equal(await lastLogin(), before);
    assert.equal(await successes(), counted);

    const ok = await app.signIn.signIn('lou', 'the-right-password', gate, (personId) =>
      app.sessions.newSession(personId, { ip: '127.0.0.9', userAgent: 'test' }),
    );
    assert.equal(ok.personId, id);
    assert.equal(ok.username, 'lou');
    assert.deepEqual(ok.grants, []);
    assert.notEqual(await lastLogin(), before);
    assert.equal(await successes(), counted + 1);
    const principal = await app.sessions.authenticate(ok.made.token);
    assert.equal(principal?.personId, id);
    assert.equal(principal?.csrfToken, ok.made.csrfToken);
  });
});
