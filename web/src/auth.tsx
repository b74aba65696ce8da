// Who is logged in: the current user from GET /auth/me, login and logout. The session itself is the
// httpOnly cookie the server sets; the page never sees the token.
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { client, onUnauthorized, resetCsrf, unwrap } from './api/client';
import type { paths } from './api/schema';

export type Me = paths['/auth/me']['get']['responses'][200]['content']['application/json']['data'];
export type Permission = 'view' | 'create' | 'update' | 'delete' | 'admin';

interface Auth {
  /** undefined while the first /auth/me is in flight; null: nobody is logged in. */
  me: Me | null | undefined;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  can: (permission: Permission) => boolean;
}

const AuthContext = createContext<Auth | undefined>(undefined);

export function AuthProvider({ children }: { children: ComponentChildren }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const refresh = useCallback(async () => {
    try {
      setMe(await unwrap(client.GET('/auth/me')));
    } catch {
      setMe(null);
    }
  }, []);
  useEffect(() => {
    onUnauthorized(() => setMe(null));
    void refresh();
  }, [refresh]);

  const auth: Auth = {
    me,
    async login(username, password) {
      await unwrap(client.POST('/auth/login', { body: { username, password } }));
      resetCsrf();
      await refresh();
    },
    async logout() {
      await client.POST('/auth/logout').catch(() => undefined);
      resetCsrf();
      setMe(null);
    },
    can: (permission) => me?.permissions.includes(permission) ?? false,
  };
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}
