/** Who is signed in, through the session endpoints (/api/session). */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import type { ApiError } from './api/client';
import { call, client, onAuthError, setCsrfToken } from './api/client';
import type { paths } from './api/schema';

type SessionBody = paths['/api/session']['get']['responses'][200]['content']['application/json'];

export interface Session {
  user: SessionBody['user'];
  grants: string[];
  mustChangePassword: boolean;
}

interface SessionContext {
  session: Session | null;
  loading: boolean;
  signIn(username: string, password: string): Promise<Session>;
  signOut(): Promise<void>;
  passwordChanged(): void;
}

const Ctx = createContext<SessionContext | null>(null);

function fromBody(body: SessionBody): Session {
  setCsrfToken(body.csrf_token);
  return { user: body.user, grants: body.grants, mustChangePassword: body.must_change_password };
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let live = true;
    call(client.GET('/api/session'))
      .then((body) => live && setSession(fromBody(body)))
      .catch(() => live && setSession(null))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, []);

  useEffect(
    () =>
      onAuthError((err: ApiError) => {
        if (err.type === 'unauthenticated') setSession(null);
        if (err.type === 'password_change_required')
          setSession((s) => (s ? { ...s, mustChangePassword: true } : s));
      }),
    [],
  );

  const signIn = useCallback(async (username: string, password: string) => {
    const body = await call(client.POST('/api/session', { body: { username, password } }));
    const s = fromBody(body);
    setSession(s);
    return s;
  }, []);

  const signOut = useCallback(async () => {
    try {
      await call(client.DELETE('/api/session'));
    } finally {
      setCsrfToken('');
      setSession(null);
    }
  }, []);

  const passwordChanged = useCallback(
    () => setSession((s) => (s ? { ...s, mustChangePassword: false } : s)),
    [],
  );

  const value = useMemo(
    () => ({ session, loading, signIn, signOut, passwordChanged }),
    [session, loading, signIn, signOut, passwordChanged],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): SessionContext {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}
