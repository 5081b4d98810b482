/**
 * Username and password sign-in. An unknown user, a wrong password and a locked account
 * all take the same time and get the same answer; only someone who knows the password
 * learns that the account is blocked.
 */
import type { Store } from '../store/database.ts';
import type { Executor } from '../store/people-repo.ts';
import { findPersonByUsernameKey } from '../store/people-repo.ts';
import {
  findPersonForSignIn,
  recordLoginFailure,
  recordSignIn,
  thawExpired,
  type SignInPerson,
} from '../store/sign-in-repo.ts';
import { auditRow, recordAudit } from '../audit/record.ts';
import type { NewAuditEventRow, NewSessionRow } from '../store/schema.ts';
import type { Actor } from '../core/context.ts';
import { GatehouseError } from '../core/errors.ts';
import { usernameKey } from '../core/normalize.ts';
import { effectiveState } from '../core/person.ts';
import { passwordExpired } from '../core/password-policy.ts';
import type { SettingsService } from '../core/settings.ts';
import { hashPassword, needsRehash, verifyPassword, type Argon2Params } from './passwords.ts';
import type { DirectoryPasswordVerifier } from './directory-password.ts';

export interface SignInResult {
  personId: number;
  username: string;
  mustChangePassword: boolean;
  /** As read at the sign-in, for the console's answer (no second read of the person). */
  firstname: string;
  surname: string;
  grants: string[];
}

/** A verified sign-in, its success not yet written. */
interface Verified {
  at: string;
  newHash: string | null;
  expired: boolean;
  audit: NewAuditEventRow;
  result: SignInResult;
}

export class SignInService {
  private directoryVerifier: DirectoryPasswordVerifier | undefined;

  constructor(
    private readonly store: Store,
    private readonly settings: SettingsService,
    private readonly argon2: Argon2Params,
  ) {}

  /** Accounts a directory owns sign in with its password (the LDAP gate binds as the entry). */
  useDirectoryPasswords(verifier: DirectoryPasswordVerifier): void {
    this.directoryVerifier = verifier;
  }

  /**
   * A password sign-in. The console passes `makeSession`: the session it gives is written with
   * the sign-in's bookkeeping and audit event, as one statement on PostgreSQL (recordSignIn):
   * a BEGIN, a COMMIT and two round trips less, each a few tenths of a millisecond of the
   * main thread at sign-in rates (bench/api.bench.ts, password sign-ins).
   */
  signIn(
    username: string,
    password: string,
    actor: Omit<Actor, 'personId' | 'label'>,
  ): Promise<SignInResult & { made: undefined }>;
  signIn<S extends { row: NewSessionRow }>(
    username: string,
    password: string,
    actor: Omit<Actor, 'personId' | 'label'>,
    makeSession: (personId: number) => S,
  ): Promise<SignInResult & { made: S }>;
  async signIn<S extends { row: NewSessionRow }>(
    username: string,
    password: string,
    actor: Omit<Actor, 'personId' | 'label'>,
    makeSession?: (personId: number) => S,
  ): Promise<SignInResult & { made: S | undefined }> {
    const v = await this.verified(username, password, actor);
    const made = makeSession?.(v.result.personId);
    await recordSignIn(this.store.db, this.store.caps, {
      personId: v.result.personId,
      at: v.at,
      newHash: v.newHash,
      forceChange: v.expired,
      audit: v.audit,
      session: made?.row,
    });
    return { ...v.result, made };
  }

  /**
   * Everything of a sign-in but its success's writes: the person, the password check, and a
   * failure's bookkeeping and audit (thrown as the error the caller sees).
   */
  private async verified(
    username: string,
    password: string,
    actor: Omit<Actor, 'personId' | 'label'>,
  ): Promise<Verified> {
    const key = usernameKey(username);
    const person = key === '' ? undefined : await findPersonForSignIn(this.store.db, key);
    const byDirectory =
      person !== undefined &&
      person.password_authority === 'directory' &&
      person.directory_id !== null &&
      this.directoryVerifier !== undefined;
    const usable =
      person && (person.password_authority === 'local' || byDirectory) ? person : undefined;
    const state = usable ? effectiveState(usable) : 'active';
    if (usable && usable.state === 'frozen' && state === 'active') {
      await thawExpired(this.store.db, usable.id, new Date().toISOString());
    }
    // A frozen account's password is not tested (that would let guessing go on), but the
    // same work is done so the answer takes as long.
    const ok =
      byDirectory && state !== 'frozen'
        ? await this.checkWithDirectory(person, password, actor)
        : await verifyPassword(
            usable && state !== 'frozen' && !byDirectory ? usable.password_hash : null,
            password,
            this.argon2,
          );
    const audit = (db: Executor, outcome: 'success' | 'failure', reason: string) =>
      recordAudit(
        db,
        {
          ...actor,
          personId: person?.id ?? null,
          label: person?.username ?? username.slice(0, 100),
        },
        {
          action: 'session.sign_in',
          targetType: 'person',
          targetId: person?.id ?? null,
          targetLabel: person?.username ?? username.slice(0, 100),
          changes: { reason: [null, reason] },
          outcome,
        },
      );

    if (!usable || !ok) {
      const policy = await this.settings.passwordPolicy();
      let reason = !person
        ? 'unknown username'
        : !usable
          ? `password managed by ${person.password_authority}`
          : state === 'frozen'
            ? 'account frozen'
            : 'wrong password';
      await this.store.db.transaction().execute(async (tx) => {
        if (usable && state === 'active') {
          const count = await recordLoginFailure(
            tx,
            usable.id,
            policy.attemptsAllowed,
            new Date(Date.now() + policy.lockoutMinutes * 60_000).toISOString(),
          );
          if (count >= policy.attemptsAllowed)
            reason += `; account frozen for ${policy.lockoutMinutes} minutes`;
        }
        await audit(tx, 'failure', reason);
      });
      throw new GatehouseError(
        'invalid_credentials',
        `The username or password is not correct. After ${policy.attemptsAllowed} failed attempts an account is locked for ${policy.lockoutMinutes} minutes.`,
      );
    }
    if (state === 'blocked') {
      await audit(this.store.db, 'failure', 'account blocked');
      throw new GatehouseError('account_blocked');
    }
    const policy = await this.settings.passwordPolicy();
    const newHash =
      !byDirectory && usable.password_hash && needsRehash(usable.password_hash, this.argon2)
        ? await hashPassword(password, this.argon2)
        : null;
    // The directory keeps its own password age rules (AD's expired password is refused there).
    const expired = !byDirectory && passwordExpired(policy, usable.password_changed_at);
    const at = new Date().toISOString();
    return {
      at,
      newHash,
      expired,
      audit: auditRow(
        { ...actor, personId: usable.id, label: usable.username },
        {
          action: 'session.sign_in',
          targetType: 'person',
          targetId: usable.id,
          targetLabel: usable.username,
          changes: {
            reason: [
              null,
              byDirectory
                ? 'directory password'
                : expired
                  ? 'password (expired: must be changed)'
                  : 'password',
            ],
          },
          outcome: 'success',
          at,
        },
      ),
      result: {
        personId: usable.id,
        username: usable.username,
        mustChangePassword: usable.must_change_password === 1 || expired,
        firstname: usable.firstname,
        surname: usable.surname,
        grants: usable.grants,
      },
    };
  }

  /**
   * The directory's verdict on a password. A right password the directory refuses (disabled,
   * expired, locked there) and a directory that cannot be asked are said as such, never as a
   * wrong password; neither counts towards the lockout.
   */
  private async checkWithDirectory(
    person: SignInPerson,
    password: string,
    actor: Omit<Actor, 'personId' | 'label'>,
  ): Promise<boolean> {
    const r = await this.directoryVerifier!.verify(person.directory_id!, person.username, password);
    if (r.ok) return true;
    if (r.kind === 'wrong') return false;
    await recordAudit(
      this.store.db,
      { ...actor, personId: person.id, label: person.username },
      {
        action: 'session.sign_in',
        targetType: 'person',
        targetId: person.id,
        targetLabel: person.username,
        changes: { reason: [null, `directory ${r.kind}: ${r.message}`] },
        outcome: 'failure',
      },
    );
    if (r.kind === 'unavailable')
      throw new GatehouseError(
        'directory_unreachable',
        `The user directory cannot be reached, so your password cannot be checked now (${r.message}) Try again later or ask your IT team.`,
      );
    throw new GatehouseError('directory_sign_in_refused', r.message);
  }

  /** Confirms a signed-in person's current password (before they change it). */
  async checkPassword(username: string, password: string): Promise<void> {
    const person = await findPersonByUsernameKey(this.store.db, usernameKey(username));
    const ok = await verifyPassword(
      person?.password_authority === 'local' ? person.password_hash : null,
      password,
      this.argon2,
    );
    if (!ok)
      // 400, not 401: the caller is authenticated; a field of the request is wrong.
      throw new GatehouseError('validation_failed', 'The current password is not correct.', [
        { field: 'current_password', message: 'Not correct.' },
      ]);
  }
}
