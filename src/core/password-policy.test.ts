import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_PASSWORD_POLICY,
  checkPolicyValues,
  passwordExpired,
  passwordProblem,
} from './password-policy.ts';

describe('password policy', () => {
  const policy = { ...DEFAULT_PASSWORD_POLICY, minLength: 10 };
  it('enforces the minimum length, counting characters not bytes', () => {
    assert.match(passwordProblem(policy, 'short') ?? '', /at least 10/);
    assert.equal(passwordProblem(policy, 'éééééééééé'), null);
  });
  it('refuses the username as password', () => {
    assert.match(passwordProblem(policy, 'Jane.Doe.1', 'jane.doe.1') ?? '', /username/);
  });
  it('asks for three kinds of character when strong passwords are required', () => {
    const strong = { ...policy, requireStrong: true };
    assert.ok(passwordProblem(strong, 'alllowercase'));
    assert.equal(passwordProblem(strong, 'Mixed-case1x'), null);
  });
  it('never accepts a minimum below 8', () => {
    assert.equal(checkPolicyValues({ ...policy, minLength: 7 })[0]?.field, 'minLength');
    assert.deepEqual(checkPolicyValues(policy), []);
  });
  it('expires passwords after the maximum age only when one is set', () => {
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    assert.equal(passwordExpired({ ...policy, maxAgeDays: 30 }, old), true);
    assert.equal(passwordExpired({ ...policy, maxAgeDays: 0 }, old), false);
    assert.equal(passwordExpired({ ...policy, maxAgeDays: 30 }, new Date().toISOString()), false);
  });
});
