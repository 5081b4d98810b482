/** Console sessions: a random token in an HttpOnly cookie, stored hashed, with a CSRF token. */
import type { Store } from '../store/database.ts';
import * as repo from '../store/auth-repo.ts';
import type { Executor } from '../store/people-repo.ts';
import type { NewSessionRow } from '../store/schema.ts';
import { findPerson } from '../store/people-repo.ts';
import { randomToken, tokenHash } from './tokens.ts';
import type { Principal } from './permissions.ts';

const TOUCH_EVERY_MS = 60_000;

export interface SessionMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: string;
  row: NewSessionRow;
}

export class SessionsService {
  constructor(
    private readonly store: Store,
    private readonly ttlHours: number,
  ) {}

  async create(
    personId: number,
    meta: SessionMeta,
    db: Executor = this.store.db,
  ): Promise<{ token: string; csrfToken: string; expiresAt: string }> {
    const { row, ...made } = this.newSession(personId, meta);
    await repo.insertSession(db, row);
    return made;
  }

  /** A new session's tokens and its row, not yet written (the sign-in writes it: sign-in.ts). */
  newSession(personId: number, meta: SessionMeta): NewSession {
    const token = randomToken('ghs_');
    const csrfToken = randomToken('', 24);
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.ttlHours * 3_600_000).toISOString();
    const row: NewSessionRow = {
      token_hash: tokenHash(token),
      csrf_token: csrfToken,
      person_id: personId,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: expiresAt,
      ip: meta.ip ?? null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    };
    return { token, csrfToken, expiresAt, row };
  }

  /** The principal of a session token, or null if the session ended or its person may not act. */
  async authenticate(token: string): Promise<Omit<Principal, 'grants'> | null> {
    if (!token.startsWith('ghs_') || token.length > 200) return null;
    const s = await repo.findSession(this.store.db, tokenHash(token));
    if (!s) return null;
    const now = Date.now();
    if (Date.parse(s.expires_at) <= now) {
      await repo.deleteSession(this.store.db, s.token_hash);
      return null;
    }
    const person = await findPerson(this.store.db, s.person_id);
    // A block ends sessions; a lockout (frozen) only stops new sign-ins (docs/architecture.md,
    // "State"). Ending them too would let anyone throw a colleague out of the console by
    // failing their sign-in a few times.
    if (!person || person.state === 'blocked') return null;
    if (now - Date.parse(s.last_seen_at) > TOUCH_EVERY_MS) {
      await repo.touchSession(
        this.store.db,
        s.id,
        new Date(now).toISOString(),
        new Date(now + this.ttlHours * 3_600_000).toISOString(),
      );
    }
    return {
      personId: person.id,
      username: person.username,
      via: 'session',
      sessionId: s.id,
      csrfToken: s.csrf_token,
      mustChangePassword: person.must_change_password === 1,
    };
  }

  async end(token: string): Promise<void> {
    await repo.deleteSession(this.store.db, tokenHash(token));
  }

  async endAllFor(personId: number, exceptSessionId?: number): Promise<void> {
    await repo.deleteSessionsOf(this.store.db, personId, exceptSessionId);
  }

  async sweep(): Promise<void> {
    await repo.deleteExpiredSessions(this.store.db, new Date().toISOString());
  }
}
