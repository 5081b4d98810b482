/**
 * The SSO login handler's core: what happens when a protocol gate has proved who someone is.
 * Facts are gathered, the pure decision (decide.ts) is taken, and its outcome is carried out
 * in one transaction with its audit event (`sso.login`, outcome and reason).
 *
 * Parallel first logins of one person: each may decide "provision"; the unique username key
 * and the identity link's primary key let exactly one insert win. A loser's transaction fails
 * on that constraint, so it reads the facts again — the winner's account is now linked — and
 * signs in to it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../../store/database.ts';
import type { PersonRow } from '../../store/schema.ts';
import {
  findPerson,
  findPersonByUsernameKey,
  insertPerson,
  uniqueConflicts,
  type Executor,
} from '../../store/people-repo.ts';
import { recordLoginSuccess, thawExpired } from '../../store/sign-in-repo.ts';
import {
  identitiesOfPerson,
  insertIdentity,
  personForIdentity,
} from '../../store/identity-repo.ts';
import * as logins from '../../store/sso-login-repo.ts';
import { addMembers, findCollectionItem } from '../../store/collection-repo.ts';
import { recordAudit, diff } from '../../audit/record.ts';
import { type Actor, nowIso } from '../context.ts';
import { fail } from '../errors.ts';
import { emailKey, usernameKey } from '../normalize.ts';
import { effectiveState } from '../person.ts';
import { auditView, type PeopleService } from '../people.ts';
import { decide, type CandidateAccount, type Decision, type DecisionFacts } from './decide.ts';
import { mapAttributes, type MappedValues } from './attributes.ts';
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

/** How long a started login may take at the IdP. */
export const LOGIN_TTL_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;
/** A refusal's reason in the audit log is a sentence, not a dump (library messages can be long). */
const REASON_MAX = 500;

/** The stored form of a browser's binding value: a leaked table row cannot be replayed as a cookie. */
function browserHash(browser: string): string {
  return createHash('sha256').update(browser).digest('hex');
}

/** A provisioning that lost a race (or met a taken value): read the facts again. */
class LostRace extends Error {
  constructor(readonly taken: string[]) {
    super('lost race');
  }
}

export class SsoService {
  /** The lead's just-in-time directory sync; until it is set the step is skipped. */
  directoryLookup: JustInTimeDirectoryLookup | undefined;
  private lastPrune = 0;

  constructor(
    private readonly store: Store,
    readonly providers: ProvidersService,
    private readonly people: PeopleService,
    private readonly opts: { emailUnique: boolean },
  ) {}

  // ---- logins in progress -------------------------------------------------------------

  async startLogin(
    providerId: number,
    returnTo: string | null,
    data: LoginProtocolData & { kind?: ProviderType },
  ): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    await logins.insertLoginRequest(this.store.db, {
      id,
      provider_id: providerId,
      // A SAML login carries its AuthnRequest ID; an OIDC one its nonce and verifier.
      kind: data.kind ?? (data.requestId !== undefined ? 'saml' : 'oidc'),
      return_to: returnTo,
      request_id: data.requestId ?? null,
      oidc_state: data.oidcState ?? null,
      oidc_nonce: data.oidcNonce ?? null,
      oidc_code_verifier: data.oidcCodeVerifier ?? null,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + LOGIN_TTL_MS).toISOString(),
      used_at: null,
      browser_hash: browserHash(data.browser),
    });
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      // Used and expired requests are kept a day, for the audit trail of a replay.
      await logins.deleteLoginRequestsBefore(
        this.store.db,
        new Date(now - 24 * 3_600_000).toISOString(),
      );
    }
    return id;
  }

  /**
   * Takes a started login once (atomic), and only for the browser that started it: a replay,
   * an expired login or a login brought back by another browser (login CSRF: an attacker's
   * own login finished in the victim's browser) gets nothing, with the reason.
   */
  async takeLogin(id: string, browser: string | undefined): Promise<TakenLogin> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(id))
      return {
        ok: false,
        why: 'unknown',
        reason: 'The sign-in it answers is not one of this site.',
      };
    const now = nowIso();
    const request =
      browser === undefined
        ? undefined
        : await logins.takeLoginRequest(this.store.db, id, browserHash(browser), now);
    if (request) return { ok: true, request };
    const row = await logins.findLoginRequest(this.store.db, id);
    if (!row)
      return {
        ok: false,
        why: 'unknown',
        reason: 'The sign-in it answers is not one of this site.',
      };
    if (row.used_at !== null)
      return {
        ok: false,
        why: 'used',
        reason: 'The sign-in it answers was already completed (a replay or a second submission).',
      };
    if (row.expires_at <= now)
      return {
        ok: false,
        why: 'expired',
        reason: `The sign-in it answers expired at ${row.expires_at}.`,
      };
    return {
      ok: false,
      why: 'other_browser',
      reason:
        browser === undefined
          ? 'The browser that brought the answer back has no sign-in cookie of this site: it is not the browser that started the sign-in (or it blocks the cookie).'
          : 'The browser that brought the answer back is not the one that started the sign-in (its sign-in cookie differs).',
    };
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
      const facts = await this.facts(provider, subject, mapped);
      let d = decide(facts);
      if (d.kind === 'lookup_directories') {
        const looked = await this.withDirectoryLookup(facts, ctx, false);
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
        await this.audit(this.store.db, provider, login, mapped, ctx, null, {
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

  /**
   * A login refused before anyone was identified: a SAML response that did not verify (bad
   * signature, replay, wrong audience …), an OIDC callback whose token failed its checks, a
   * callback from a browser that did not start the login. Audited as `sso.login` `refused`
   * with the reason sentence only: never the response, a token or an assertion, which the
   * reason sentences of the gates do not quote.
   */
  async recordRefusal(
    providerId: number,
    refusal: { errorType: string; reason: string },
    ctx: LoginContext = {},
  ): Promise<void> {
    const provider = await this.providers.find(providerId);
    const reason =
      refusal.reason.length > REASON_MAX
        ? `${refusal.reason.slice(0, REASON_MAX)}…`
        : refusal.reason;
    await recordAudit(this.store.db, this.actor(ctx, null, provider?.name ?? `idp:${providerId}`), {
      action: 'sso.login',
      targetType: 'identity_provider',
      targetId: providerId,
      targetLabel: provider?.name ?? null,
      changes: {
        outcome: [null, 'refused'],
        reason: [null, reason],
        provider_id: [null, providerId],
        provider: [null, provider?.name ?? null],
        error_type: [null, refusal.errorType],
      },
      outcome: 'failure',
    });
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
    const facts = await this.facts(provider, q.subject?.trim() || null, mapped);
    let d = decide(facts);
    if (d.kind === 'lookup_directories')
      d = decide(await this.withDirectoryLookup(facts, {}, true));
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

  private async candidate(
    db: Executor,
    provider: IdentityProvider,
    row: PersonRow,
    subject: string | null,
  ): Promise<CandidateAccount> {
    const subjects = await logins.subjectsOfPerson(db, idpProvider(provider.id), row.id);
    return {
      id: row.id,
      username: row.username,
      state: effectiveState(row),
      linked_to_other_subject: subjects.some((s) => s !== subject),
    };
  }

  private async facts(
    provider: IdentityProvider,
    subject: string | null,
    mapped: MappedValues,
  ): Promise<DecisionFacts> {
    const db = this.store.db;
    let linked: CandidateAccount | null = null;
    if (subject !== null) {
      const id = await personForIdentity(db, idpProvider(provider.id), subject);
      const row = id === undefined ? undefined : await findPerson(db, id);
      if (row) linked = await this.candidate(db, provider, row, subject);
    }
    const matches: DecisionFacts['matches'] = [];
    if (!linked)
      for (const by of provider.match_by) {
        let rows: PersonRow[] = [];
        if (mapped.unverified.includes(by)) {
          // Not looked up at all: an unverified value matches nobody (decide.ts says why).
        } else if (by === 'username' && mapped.username) {
          const row = await findPersonByUsernameKey(db, usernameKey(mapped.username));
          rows = row ? [row] : [];
        } else if (by === 'email' && mapped.email) {
          rows = await logins.findPeopleByEmail(
            db,
            mapped.email,
            this.opts.emailUnique ? emailKey(mapped.email) : null,
          );
        }
        matches.push({
          by,
          accounts: await Promise.all(rows.map((r) => this.candidate(db, provider, r, subject))),
        });
      }
    return {
      provider: {
        name: provider.name,
        enabled: provider.enabled,
        provision_on_first_login: provider.provision_on_first_login,
        not_found_redirect_url: provider.not_found_redirect_url,
        provision_even_if_directories: provider.provision_even_if_directories,
        match_by: provider.match_by,
        username_attribute: provider.attribute_mapping.username ?? null,
      },
      identity: {
        subject,
        username: mapped.username,
        email: mapped.email,
        unverified: mapped.unverified,
      },
      linked,
      matches,
      directoryCount:
        linked || matches.some((m) => m.accounts.length > 0)
          ? 0
          : await logins.countDirectories(db),
    };
  }

  private async withDirectoryLookup(
    facts: DecisionFacts,
    ctx: LoginContext,
    dryRun: boolean,
  ): Promise<DecisionFacts> {
    if (!this.directoryLookup) return { ...facts, directoryLookup: 'unavailable' };
    // An unverified value finds nobody in a directory either (it would sign in its owner).
    const unverified = facts.identity.unverified ?? [];
    const by: { username?: string; email?: string } = {};
    if (facts.identity.username && !unverified.includes('username'))
      by.username = facts.identity.username;
    if (facts.identity.email && !unverified.includes('email')) by.email = facts.identity.email;
    const result = await this.directoryLookup.lookup(by, { ...ctx, dryRun });
    let account: CandidateAccount | null = null;
    if (result.found && result.inScope && result.personId !== null) {
      const row = await findPerson(this.store.db, result.personId);
      if (row)
        account = {
          id: row.id,
          username: row.username,
          state: effectiveState(row),
          linked_to_other_subject: false,
        };
    }
    return { ...facts, directoryLookup: result, directoryAccount: account };
  }

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
      await this.audit(tx, provider, login, mapped, ctx, row, {
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
    const f = mapped.fields;
    const missing = (['firstname', 'surname', 'email'] as const).filter((k) => !f[k]);
    if (missing.length > 0)
      return this.refuse(
        provider,
        login,
        ctx,
        {
          kind: 'refuse',
          errorType: 'sso_attribute_missing',
          reason: `An account would be created, but ${provider.name} sent no ${missing
            .map(
              (k) =>
                `${k} (${provider.attribute_mapping[k] ? `attribute ${provider.attribute_mapping[k]}` : 'not mapped'})`,
            )
            .join(', ')}.`,
        },
        mapped,
      );
    const { row, errors } = await this.people.prepareNew({
      username: mapped.username ?? '',
      firstname: f.firstname ?? '',
      surname: f.surname ?? '',
      email: f.email ?? '',
      ...(f.user_code ? { user_code: f.user_code } : {}),
      ...(f.job_title ? { job_title: f.job_title } : {}),
      ...(f.department ? { department: f.department } : {}),
      ...(f.office ? { office: f.office } : {}),
      ...(f.phone ? { phone: f.phone } : {}),
      ...(f.mobile ? { mobile: f.mobile } : {}),
      profile: mapped.profile,
      extranet_id: provider.defaults.extranet_id,
      password_authority: 'idp',
      origin_source: idpProvider(provider.id),
    });
    if (errors.length > 0)
      return this.refuse(
        provider,
        login,
        ctx,
        {
          kind: 'refuse',
          errorType: 'sso_provision_failed',
          reason: `An account would be created, but the values from ${provider.name} are not valid: ${errors
            .map((e) => `${e.field}: ${e.message}`)
            .join(' ')}`,
        },
        mapped,
      );
    row.origin = 'sso';
    const at = nowIso();
    row.created_at = row.updated_at = at;
    return this.store.db.transaction().execute(async (tx) => {
      const taken = await uniqueConflicts(tx, row, null);
      if (taken.length > 0) throw new LostRace(taken);
      const inserted = await insertPerson(tx, row);
      if (login.linkable)
        await insertIdentity(tx, idpProvider(provider.id), login.subject, inserted.id, at);
      const groups: number[] = [];
      for (const g of provider.defaults.groups)
        if (await findCollectionItem(tx, 'groups', g)) {
          await addMembers(tx, 'group_members', g, [inserted.id]);
          groups.push(g);
        }
      const roles: number[] = [];
      for (const r of provider.defaults.roles)
        if (await findCollectionItem(tx, 'roles', r)) {
          await addMembers(tx, 'role_members', r, [inserted.id]);
          roles.push(r);
        }
      const actor = this.actor(ctx, inserted.id, inserted.username);
      await recordAudit(tx, actor, {
        action: 'person.create',
        targetType: 'person',
        targetId: inserted.id,
        targetLabel: inserted.username,
        changes: {
          ...diff(null, auditView(inserted)),
          ...(groups.length ? { groups: [null, groups] } : {}),
          ...(roles.length ? { roles: [null, roles] } : {}),
        },
        at,
      });
      await recordLoginSuccess(tx, inserted.id, at, null, false);
      await this.audit(tx, provider, login, mapped, ctx, inserted, {
        outcome: 'provisioned',
        reason,
        ...(login.linkable
          ? { identity_linked: `${idpProvider(provider.id)}/${login.subject}` }
          : {}),
      });
      return { outcome: 'provisioned' as const, personId: inserted.id, reason };
    });
  }

  private async refuse(
    provider: IdentityProvider | null,
    login: VerifiedLogin,
    ctx: LoginContext,
    d: Extract<Decision, { kind: 'refuse' }>,
    mapped?: MappedValues,
  ): Promise<LoginOutcome> {
    await this.audit(
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

  private actor(ctx: LoginContext, personId: number | null, label: string): Actor {
    return {
      personId,
      label,
      gate: 'sso',
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      ...(ctx.ip ? { ip: ctx.ip } : {}),
    };
  }

  /** The `sso.login` audit event: the decision with its reason, whatever it was. */
  private async audit(
    db: Executor,
    provider: IdentityProvider | null,
    login: VerifiedLogin,
    mapped: MappedValues,
    ctx: LoginContext,
    person: PersonRow | null,
    what: {
      outcome: LoginOutcome['outcome'];
      reason: string;
      error_type?: string;
      identity_linked?: string;
    },
  ): Promise<void> {
    const label =
      person?.username ?? mapped.username ?? mapped.email ?? login.subject.slice(0, 100);
    const changes: Record<string, [unknown, unknown]> = {
      outcome: [null, what.outcome],
      reason: [null, what.reason],
      provider_id: [null, login.providerId],
      provider: [null, provider?.name ?? null],
      subject: [null, login.subject.slice(0, 300)],
    };
    if (!login.linkable) changes.transient = [null, true];
    if (mapped.unverified.length > 0) changes.unverified = [null, mapped.unverified];
    if (mapped.username) changes.username = [null, mapped.username];
    if (mapped.email) changes.email = [null, mapped.email];
    if (what.error_type) changes.error_type = [null, what.error_type];
    if (what.identity_linked) changes.identity_linked = [null, what.identity_linked];
    await recordAudit(db, this.actor(ctx, person?.id ?? null, label), {
      action: 'sso.login',
      targetType: person ? 'person' : 'identity_provider',
      targetId: person ? person.id : login.providerId,
      targetLabel: person ? person.username : (provider?.name ?? null),
      changes,
      outcome:
        what.outcome === 'signed_in' || what.outcome === 'provisioned' ? 'success' : 'failure',
    });
  }
}
