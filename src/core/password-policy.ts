/** The password policy for local accounts (Claromentis KB 369), and the check it makes. */
import type { FieldError } from './errors.ts';

export interface PasswordPolicy {
  /** At least 8. */
  minLength: number;
  /** Require three of: lower case, upper case, digit, symbol. */
  requireStrong: boolean;
  /** Days before a password must be changed; 0 = never. */
  maxAgeDays: number;
  /** Failed sign-ins allowed before the account is frozen. */
  attemptsAllowed: number;
  /** Minutes an account stays frozen. */
  lockoutMinutes: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = {
  minLength: 10,
  requireStrong: false,
  maxAgeDays: 0,
  attemptsAllowed: 5,
  lockoutMinutes: 15,
};

export function checkPolicyValues(p: PasswordPolicy): FieldError[] {
  const errors: FieldError[] = [];
  if (!Number.isInteger(p.minLength) || p.minLength < 8 || p.minLength > 128) {
    errors.push({ field: 'minLength', message: 'Must be a whole number from 8 to 128.' });
  }
  if (!Number.isInteger(p.maxAgeDays) || p.maxAgeDays < 0 || p.maxAgeDays > 3650) {
    errors.push({ field: 'maxAgeDays', message: 'Must be a whole number from 0 (never) to 3650.' });
  }
  if (!Number.isInteger(p.attemptsAllowed) || p.attemptsAllowed < 1 || p.attemptsAllowed > 100) {
    errors.push({ field: 'attemptsAllowed', message: 'Must be a whole number from 1 to 100.' });
  }
  if (!Number.isInteger(p.lockoutMinutes) || p.lockoutMinutes < 1 || p.lockoutMinutes > 10_080) {
    errors.push({
      field: 'lockoutMinutes',
      message: 'Must be a whole number of minutes from 1 to 10080.',
    });
  }
  return errors;
}

/** Returns what is wrong with a new password, or null if it meets the policy. */
export function passwordProblem(
  policy: PasswordPolicy,
  password: string,
  username?: string,
): string | null {
  if ([...password].length < policy.minLength)
    return `The password must be at least ${policy.minLength} characters long.`;
  if (password.length > 1024) return 'The password must be at most 1024 characters long.';
  if (username && password.toLowerCase() === username.toLowerCase())
    return 'The password must not be the username.';
  if (policy.requireStrong) {
    const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
    if (classes < 3)
      return 'The password must mix at least three of: lower case, upper case, digits, symbols.';
  }
  return null;
}

/** Whether a password set at `changedAt` has expired under the policy. */
export function passwordExpired(
  policy: PasswordPolicy,
  changedAt: string | null,
  now = Date.now(),
): boolean {
  if (policy.maxAgeDays === 0 || changedAt === null) return false;
  return now - Date.parse(changedAt) > policy.maxAgeDays * 86_400_000;
}
