/**
 * The `sso.login` audit event: every decision of the login handler, with its outcome and a
 * reason sentence — never the response, a token or an assertion.
 */
import type { PersonRow } from '../../store/schema.ts';
import type { Executor } from '../../store/people-repo.ts';
import { recordAudit } from '../../audit/record.ts';
import type { Actor } from '../context.ts';
import type { MappedValues } from './attributes.ts';
import type { IdentityProvider, LoginContext, LoginOutcome, VerifiedLogin } from './types.ts';

/** A refusal's reason in the audit log is a sentence, not a dump (library messages can be long). */
const REASON_MAX = 500;

export function loginActor(ctx: LoginContext, personId: number | null, label: string): Actor {
  return {
    personId,
    label,
    gate: 'sso',
    ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    ...(ctx.ip ? { ip: ctx.ip } : {}),
  };
}

export interface LoginAuditWhat {
  outcome: LoginOutcome['outcome'];
  reason: string;
  error_type?: string;
  identity_linked?: string;
}

/** The decision taken on an identified login, whatever it was. */
export async function auditLogin(
  db: Executor,
  provider: IdentityProvider | null,
  login: VerifiedLogin,
  mapped: MappedValues,
  ctx: LoginContext,
  person: PersonRow | null,
  what: LoginAuditWhat,
): Promise<void> {
  const label = person?.username ?? mapped.username ?? mapped.email ?? login.subject.slice(0, 100);
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
  await recordAudit(db, loginActor(ctx, person?.id ?? null, label), {
    action: 'sso.login',
    targetType: person ? 'person' : 'identity_provider',
    targetId: person ? person.id : login.providerId,
    targetLabel: person ? person.username : (provider?.name ?? null),
    changes,
    outcome: what.outcome === 'signed_in' || what.outcome === 'provisioned' ? 'success' : 'failure',
  });
}

/**
 * A login refused before anyone was identified (a response that did not verify, a token that
 * failed its checks, a callback from another browser): the reason sentence only.
 */
export async function auditUnidentifiedRefusal(
  db: Executor,
  providerId: number,
  provider: IdentityProvider | undefined,
  refusal: { errorType: string; reason: string },
  ctx: LoginContext,
): Promise<void> {
  const reason =
    refusal.reason.length > REASON_MAX ? `${refusal.reason.slice(0, REASON_MAX)}…` : refusal.reason;
  await recordAudit(db, loginActor(ctx, null, provider?.name ?? `idp:${providerId}`), {
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
