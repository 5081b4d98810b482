/**
 * What the SSO tests read back after a login, the same way in every file: the newest audit
 * event of an action with its decision, how many people exist, and who a cookie signs in.
 */
import type { TestServer } from './server.ts';

export interface DecisionEvent {
  /** The audit event's own outcome (success | failure). */
  audit: string;
  actor_label: string;
  target_id: string | null;
  /** The decision recorded in its changes: signed_in, provisioned, redirected, refused. */
  outcome: unknown;
  reason: string;
  errorType: unknown;
}

/** The newest audit event of `action` (by default the login handler's decision). */
export async function lastEvent(server: TestServer, action = 'sso.login'): Promise<DecisionEvent> {
  const e = await server.app.store.db
    .selectFrom('audit_events')
    .select(['changes', 'outcome', 'actor_label', 'target_id'])
    .where('action', '=', action)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  const changes = JSON.parse(e.changes ?? '{}') as Record<string, [unknown, unknown]>;
  return {
    audit: e.outcome,
    actor_label: e.actor_label,
    target_id: e.target_id,
    outcome: changes.outcome?.[1],
    reason: String(changes.reason?.[1]),
    errorType: changes.error_type?.[1],
  };
}

export async function peopleCount(server: TestServer): Promise<number> {
  const r = await server.app.store.db
    .selectFrom('people')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The username a session cookie signs in, or null when it signs in nobody. */
export async function signedInAs(
  server: TestServer,
  cookie: string | undefined,
): Promise<string | null> {
  if (!cookie) return null;
  const r = await server.request('GET', '/api/session', { key: null, headers: { cookie } });
  return r.status === 200 ? (r.body.user.username as string) : null;
}
