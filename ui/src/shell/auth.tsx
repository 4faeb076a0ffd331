//! Who is signed in: `AuthProvider` keeps the current user (from `GET /api/auth/me`) and
//! offers sign-in and sign-out; `useAuth()` reads it anywhere. The user's saved language
//! becomes the app's language after sign-in. A user who signed in with a password given to
//! them must choose their own before anything else (`mustChangePassword`); an answer
//! `PASSWORD_CHANGE_REQUIRED` of any call marks the user so.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, onPasswordChangeRequired, tokens, type Schemas } from '../api/client';
import { useLang, type Lang } from '../i18n';

type User = Schemas['User'] & {
  /** Signed in with a password given to them: they choose their own before using the app. */
  password_must_change?: boolean;
};
export type Role = Schemas['Role'];

export interface AuthValue {
  /** The signed-in user, or null when signed out (or before the first check ends). */
  user: User | null;
  /** False until the stored session has been checked on start. */
  ready: boolean;
  /** Signs in; throws the `ApiError` of a refused sign-in. */
  signIn: (email: string, password: string) => Promise<User>;
  /** Ends the session here and on the server. */
  signOut: () => Promise<void>;
  /** Reads the user again (after a profile change). */
  reload: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

const ROLE_RANK: Record<Role, number> = { agent: 0, supervisor: 1, admin: 2, platform_admin: 3 };

/** True when `user` has at least `role` within a company (platform admins are not company users). */
export function hasRole(user: User | null | undefined, role: Exclude<Role, 'platform_admin'>): boolean {
  if (!user || user.role === 'platform_admin') return false;
  return ROLE_RANK[user.role] >= ROLE_RANK[role];
}

/** True when `user` signed in with a password given to them and must choose their own first. */
export function mustChangePassword(user: User | null | undefined): boolean {
  return user?.password_must_change === true;
}

/** Maps a stored language (`pt-BR`, `pt`, `es-AR`, `en`…) to one the app speaks. */
export function appLang(language: string | undefined): Lang | null {
  const l = (language ?? '').toLowerCase();
  if (l.startsWith('pt')) return 'pt-BR';
  if (l.startsWith('es')) return 'es';
  if (l.startsWith('en')) return 'en';
  return null;
}

/** The start page of a user: agents work in the inbox, platform admins on companies. */
export function homePath(user: User | null): string {
  if (!user) return '/login';
  if (user.role === 'platform_admin') return '/platform/tenants';
  if (user.role === 'agent') return '/inbox';
  return '/dashboard';
}

/** Where to go after signing in: the `next` page asked for (same-site paths only), else home. */
export function nextPath(user: User | null, search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : homePath(user);
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [ready, setReady] = useState(false);
  const { lang, setLang } = useLang();

  const adoptLanguage = useCallback(
    (u: User) => {
      const l = appLang(u.language);
      if (l && l !== lang) setLang(l);
    },
    [lang, setLang],
  );

  useEffect(() => {
    let live = true;
    if (!tokens.access()) {
      setReady(true);
      return;
    }
    api<User>('GET', '/api/auth/me')
      .then((u) => live && setUser(u))
      .catch(() => live && tokens.clear())
      .finally(() => live && setReady(true));
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    const stop = tokens.onSignedOut(() => setUser(null));
    return () => {
      stop();
    };
  }, []);

  useEffect(
    () => onPasswordChangeRequired(() => setUser((u) => (u && !u.password_must_change ? { ...u, password_must_change: true } : u))),
    [],
  );

  const signIn = useCallback(
    async (email: string, password: string) => {
      const session = await api<Schemas['Session']>('POST', '/api/auth/login', { body: { email, password } });
      tokens.set(session);
      let me: User = session.user;
      try {
        me = await api<User>('GET', '/api/auth/me');
      } catch {
        /* the session's copy of the user is good enough */
      }
      adoptLanguage(me);
      setUser(me);
      return me;
    },
    [adoptLanguage],
  );

  const signOut = useCallback(async () => {
    const refresh_token = tokens.refresh();
    if (refresh_token) {
      try {
        await api('POST', '/api/auth/logout', { body: { refresh_token } });
      } catch {
        /* the session may already be gone */
      }
    }
    tokens.clear();
    setUser(null);
  }, []);

  const reload = useCallback(async () => {
    const me = await api<User>('GET', '/api/auth/me');
    setUser(me);
  }, []);

  const value = useMemo(() => ({ user, ready, signIn, signOut, reload }), [user, ready, signIn, signOut, reload]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

/** The signed-in user and the sign-in / sign-out actions. */
export function useAuth(): AuthValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('AuthProvider is missing');
  return ctx;
}
