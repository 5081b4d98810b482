/** Site settings kept in the database (so every node sees the same), starting with the password policy. */
import type { Store } from '../store/database.ts';
import { readSetting, writeSetting } from '../store/settings-repo.ts';
import { recordAudit, diff } from '../audit/record.ts';
import { type Actor, nowIso } from './context.ts';
import { GatehouseError } from './errors.ts';
import {
  DEFAULT_PASSWORD_POLICY,
  checkPolicyValues,
  type PasswordPolicy,
} from './password-policy.ts';

const POLICY_KEY = 'password_policy';
const CACHE_MS = 5_000;

export class SettingsService {
  private cached: { policy: PasswordPolicy; at: number } | null = null;
  constructor(private readonly store: Store) {}

  async passwordPolicy(): Promise<PasswordPolicy> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.policy;
    const raw = await readSetting(this.store.db, POLICY_KEY);
    const policy = raw
      ? { ...DEFAULT_PASSWORD_POLICY, ...(JSON.parse(raw) as Partial<PasswordPolicy>) }
      : DEFAULT_PASSWORD_POLICY;
    this.cached = { policy, at: Date.now() };
    return policy;
  }

  async setPasswordPolicy(actor: Actor, changes: Partial<PasswordPolicy>): Promise<PasswordPolicy> {
    const before = await this.passwordPolicy();
    const next = { ...before, ...changes };
    const errors = checkPolicyValues(next);
    if (errors.length > 0) throw new GatehouseError('validation_failed', undefined, errors);
    await this.store.db.transaction().execute(async (tx) => {
      const at = nowIso();
      await writeSetting(tx, POLICY_KEY, JSON.stringify(next), at);
      await recordAudit(tx, actor, {
        action: 'settings.password_policy',
        targetType: 'settings',
        targetId: POLICY_KEY,
        changes: diff({ ...before }, { ...next }),
        at,
      });
    });
    this.cached = { policy: next, at: Date.now() };
    return next;
  }
}
