/**
 * The SSO login handler's core: what happens when a protocol gate has proved who someone is.
 * Facts are gathered (facts.ts), the pure decision (decide.ts) is taken, and its outcome is
 * carried out in one transaction with its audit event (`sso.login`, outcome and reason;
 * login-audit.ts). A first login that provisions (provision.ts) and loses a race to a
 * parallel one decides again and signs in to the winner's account.
 */
import type { Store } from '../../store/database.ts';
import { findPerson } from '../../store/people-repo.ts';
import { recordLoginSuccess, thawExpired } from '../../store/sign-in-repo.ts';
import { identitiesOfPerson, personForIdentity } from '../../store/identity-repo.ts';
import * as logins from '../../store/sso-login-repo.ts';
import { recordAudit } from '../../audit/record.ts';
import { type Actor, nowIso } from '../context.ts';
import { fail } from '../errors.ts';
import type { PeopleService } from '../people.ts';
import { decide, type Decision } from './decide.ts';
import { mapAttributes, type MappedValues } from './attributes.ts';
import { gatherFacts, withDirectoryLookup } from './facts.ts';
import { auditLogin, auditUnidentifiedRefusal } from './login-audit.ts';
import { LoginRequests } from './login-requests.ts';
import { insertProvisioned, LostRace, prepareProvisioned } from './provision.ts';
import type { ProvidersService } from './providers.ts';
import {
  idpProvider,
  type ExplainAnswer,
  type ExplainQuery,
  type IdentityProvider,
  type JustInTimeDirectoryLookup,
  type LoginContext,
  type LoginOutcome,
  type LoginProtocolData,
  type ProviderType,
  type TakenLogin,
  type VerifiedLogin,
} from './types.ts';

export class SsoService {
  /** The lead's just-in-time directory sync; until it is set the step is skipped. */
  directoryLookup: JustInTimeDirectoryLookup | undefined;
  private readonly requests: LoginRequests;

  constructor(
    private readonly store: Store,
    readonly providers: ProvidersService,
    private readonly people: PeopleService,
    private readonly opts: { emailUnique: boolean },
  ) {
    this.requests = new LoginRequests(store);
  }

  // ---- logins in progress (login-requests.ts) ----------------------------------------

  startLogin(
    providerId: number,
    returnTo: string | null,
    data: LoginProtocolData & { kind?: ProviderType },
  ): Promise<string> {
    return this.requests.start(providerId, returnTo, data);
  }

  takeLogin(id: string, browser: string | undefined): Promise<TakenLogin> {
    return this.requests.take(id, browser);
  }

  // ---- the first-login decision -------------------------------------------------------

  /**
   * Decides and carries out one login. `known` is the provider as the gate just read it
   * (spares reading it again); otherwise it is read here.
   */
  async complete(
    loginIn: VerifiedLogin,
    ctx: LoginContext = {},
    known?: IdentityProvider,
  ): Promise<LoginOutcome> {
    let login = loginIn;
    const provider =
      known?.id === login.providerId ? known : await this.providers.find(login.providerId);
    if (!provider)
      return this.refuse(null, login, ctx, {
        kind: 'refuse',
        errorType: 'sso_provider_disabled',
        reason: `No identity provider has id ${login.providerId}.`,
      });
    if (login.moreAttributes) {
      const linked =
        login.linkable &&
        (await personForIdentity(this.store.db, idpProvider(provider.id), login.subject)) !==
          undefined;
      if (!linked) {
        try {
          const { moreAttributes: _asked, ...rest } = login;
          login = { ...rest, ...(await login.moreAttributes()) };
        } catch (err) {
          return this.refuse(provider, login, ctx, {
            kind: 'refuse',
            errorType: 'sso_idp_error',
            reason: `The identity provider's further claims (userinfo) could not be read: ${err instanceof Error ? err.message : String(err)}`,
          });
        }
      }
    }
    const mapped = mapAttributes(provider.attribute_mapping, login);
    const subject = login.linkable ? login.subject : null;
    let taken: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const facts = await gatherFacts(this.store, provider, subject, mapped, this.opts.emailUnique);
      let d = decide(facts);
      if (d.kind === 'lookup_directories') {
        const looked = await withDirectoryLookup(
          this.store,
          this.directoryLookup,
          facts,
          ctx,
          false,
        );
        const jit = looked.directoryLookup;
        // Two first logins of one directory person at once: both sync the entry, one insert
        // wins and the other's fails on the unique keys. Deciding again finds the account.
        if (
          typeof jit === 'object' &&
          jit.found &&
          jit.inScope &&
          jit.personId === null &&
          attempt < 2
        )
          continue;
        d = decide(looked);
      }
      if (d.kind === 'sign_in') {
        const done = await this.signIn(provider, login, mapped, d, ctx);
        if (done) return done;
        continue; // the identity was linked to someone else meanwhile: decide again
      }
      if (d.kind === 'provision') {
        if (taken.length > 0) {
          const what = taken.includes('username_key')
            ? `the username ${mapped.username ?? ''}`
            : taken.includes('email_key')
              ? `the email ${mapped.email ?? ''}`
              : 'a unique value';
          return this.refuse(
            provider,
            login,
            ctx,
            {
              kind: 'refuse',
              errorType: 'sso_provision_failed',
              reason: `An account would be created, but another account already has ${what} and does not match this login (matching is by ${provider.match_by.join(' then ') || 'linked identity only'}${mapped.unverified.length > 0 ? `; ${provider.name} did not mark the ${mapped.unverified.join(' and ')} verified` : ''}).`,
            },
            mapped,
          );
        }
        try {
          return await this.provision(provider, login, mapped, d.reason, ctx);
        } catch (err) {
          if (err instanceof LostRace) {
            taken = err.taken;
            continue;
          }
          if (this.store.caps.uniqueViolation(err)) continue;
          throw err;
        }
      }
      if (d.kind === 'redirect') {
        await auditLogin(this.store.db, provider, login, mapped, ctx, null, {
          outcome: 'redirected',
          reason: d.reason,
        });
        return { outcome: 'redirected', url: d.url, reason: d.reason };
      }
      if (d.kind === 'refuse') return this.refuse(provider, login, ctx, d, mapped);
      // would_sync / lookup_directories cannot remain outside a dry run.
      break;
    }
    return this.refuse(provider, login, ctx, {
      kind: 'refuse',
      errorType: 'sso_provision_failed',
      reason: 'The account changed while this login was decided; sign in again.',
    });
  }

  /** A login refused before anyone was identified (login-audit.ts). */
  async recordRefusal(
    providerId: number,
    refusal: { errorType: string; reason: string },
    ctx: LoginContext = {},
  ): Promise<void> {
    const provider = await this.providers.find(providerId);
    await auditUnidentifiedRefusal(this.store.db, providerId, provider, refusal, ctx);
  }

  /** What the next login of this person would do, and why (nothing is written). */
  async explain(providerId: number, q: ExplainQuery): Promise<ExplainAnswer> {
    const provider = await this.providers.get(providerId);
    const mapped: MappedValues = { fields: {}, profile: {}, unverified: [] };
    if (q.username) mapped.username = mapped.fields.username = q.username.trim();
    if (q.email) mapped.email = mapped.fields.email = q.email.trim();
    if (!q.username && !q.email && !q.subject)
      fail('validation_failed', undefined, {
        fields: [{ field: 'username', message: 'Give a username, an email or a subject.' }],
      });
    const facts = await gatherFacts(
      this.store,
      provider,
      q.subject?.trim() || null,
      mapped,
      this.opts.emailUnique,
    );
    let d = decide(facts);
    if (d.kind === 'lookup_directories')
      d = decide(await withDirectoryLookup(this.store, this.directoryLookup, facts, {}, true));
    switch (d.kind) {
      case 'sign_in':
        return { outcome: 'signed_in', reason: d.reason, person_id: d.personId };
      case 'would_sync':
        return { outcome: 'signed_in', reason: d.reason, person_id: null };
      case 'provision':
        return {
          outcome: 'provisioned',
          reason: d.reason.replace('an account was created', 'an account would be created'),
          person_id: null,
        };
      case 'redirect':
        return { outcome: 'redirected', reason: d.reason, person_id: null };
      case 'refuse':
        return { outcome: 'refused', reason: d.reason, person_id: null };
      default:
        return { outcome: 'refused', reason: d.reason, person_id: null };
    }
  }

  // ---- identities of a person ---------------------------------------------------------

  async identitiesOf(
    personId: number,
  ): Promise<
    { provider: string; external_id: string; created_at: string; provider_name: string | null }[]
  > {
    await this.people.row(personId);
    const rows = await identitiesOfPerson(this.store.db, personId);
    const names = new Map((await this.providers.list()).map((p) => [idpProvider(p.id), p.name]));
    return rows.map((r) => ({ ...r, provider_name: names.get(r.provider) ?? null }));
  }

  async unlinkIdentity(
    actor: Actor,
    personId: number,
    provider: string,
    externalId: string,
  ): Promise<void> {
    if (provider.startsWith('directory:'))
      fail(
        'conflict',
        'This link is how the directory sync knows the account; it goes when the directory removes the entry.',
      );
    await this.store.db.transaction().execute(async (tx) => {
      const person = await this.people.row(personId, tx);
      const removed = await logins.deleteIdentity(tx, provider, externalId, personId);
      if (!removed)
        fail(
          'not_found',
          `The account ${person.username} has no identity ${provider}/${externalId}.`,
        );
      await recordAudit(tx, actor, {
        action: 'identity.unlink',
        targetType: 'person',
        targetId: personId,
        targetLabel: person.username,
        changes: { identity: [`${provider}/${externalId}`, null] },
      });
    });
  }

  // ---- internals ----------------------------------------------------------------------

  /** Signs in; undefined when the identity turned out linked to another account meanwhile. */
  private async signIn(
    provider: IdentityProvider,
    login: VerifiedLogin,
    mapped: MappedValues,
    d: Extract<Decision, { kind: 'sign_in' }>,
    ctx: LoginContext,
  ): Promise<LoginOutcome | undefined> {
    const at = nowIso();
    return this.store.db.transaction().execute(async (tx) => {
      let linkedNow = false;
      if (d.link) {
        const owner = await logins.linkIdentityOnce(
          tx,
          idpProvider(provider.id),
          login.subject,
          d.personId,
          at,
        );
        if (owner !== d.personId) return undefined;
        linkedNow = true;
      }
      const row = await findPerson(tx, d.personId);
      if (!row) return undefined;
      if (row.state === 'frozen') await thawExpired(tx, row.id, at);
      await recordLoginSuccess(tx, row.id, at, null, false);
      await auditLogin(tx, provider, login, mapped, ctx, row, {
        outcome: 'signed_in',
        reason: d.reason,
        ...(linkedNow ? { identity_linked: `${idpProvider(provider.id)}/${login.subject}` } : {}),
      });
      return { outcome: 'signed_in' as const, personId: row.id, reason: d.reason };
    });
  }

  private async provision(
    provider: IdentityProvider,
    login: VerifiedLogin,
    mapped: MappedValues,
    reason: string,
    ctx: LoginContext,
  ): Promise<LoginOutcome> {
    const prepared = await prepareProvisioned(this.people, provider, mapped);
    if ('refusal' in prepared) return this.refuse(provider, login, ctx, prepared.refusal, mapped);
    return insertProvisioned(this.store, provider, login, mapped, prepared.row, reason, ctx);
  }

  private async refuse(
    provider: IdentityProvider | null,
    login: VerifiedLogin,
    ctx: LoginContext,
    d: Extract<Decision, { kind: 'refuse' }>,
    mapped?: MappedValues,
  ): Promise<LoginOutcome> {
    await auditLogin(
      this.store.db,
      provider,
      login,
      mapped ?? { fields: {}, profile: {}, unverified: [] },
      ctx,
      null,
      {
        outcome: 'refused',
        reason: d.reason,
        error_type: d.errorType,
      },
    );
    return { outcome: 'refused', reason: d.reason, errorType: d.errorType };
  }
}
