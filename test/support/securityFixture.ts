// The shared setup of the API security e2e files (apiInput, apiSecurity, apiSessions, apiUsers): the built
// binary started through apiServer.ts with the same environment, every password the tests use and every
// response body recorded, and the closing "secrets never leak" checks over the events, the audit log, the
// responses and the server's output.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startApiServer, type ApiServer, type CallResult } from './apiServer.js';

/** The environment every security e2e file starts the server with. */
export const SECURITY_ENV: Readonly<Record<string, string>> = {
  LOGIN_RATE_LIMIT_PER_USER: '3',
  LOGIN_RATE_LIMIT_PER_ADDRESS: '1000',
  HTTP_BODY_LIMIT: '2kb',
};

export interface SecurityFixture {
  /**
   * The server, filled in by the fixture's beforeAll (the object itself never changes, so it can be
   * destructured at module level). Its `call` records every response body in `bodies`.
   */
  api: ApiServer;
  /** Every password used so far (the admin password from the environment included). */
  passwords: Set<string>;
  /** Every response body so far, as text. */
  bodies: string[];
  rnd: () => string;
  /** Records a password, so the secrets check looks for it, and returns it. */
  remember: (password: string) => string;
  /** A distinctive password (recorded, so the secrets check looks for it). */
  pw: (label: string) => string;
  /** A too-short password (7 characters), still distinctive. */
  shortPw: () => string;
}

/**
 * Starts the server with `env` in a beforeAll and stops it in an afterAll, both registered where this is
 * called (at the top of a test file); hooks registered after this one see `fixture.api` ready.
 */
export function useSecurityFixture(env: Record<string, string> = SECURITY_ENV): SecurityFixture {
  const passwords = new Set<string>([ADMIN_PASSWORD]);
  const bodies: string[] = [];
  const api = {} as ApiServer;
  let started: ApiServer | undefined;

  beforeAll(async () => {
    started = await startApiServer(env);
    // Keep every response body, for the secrets check at the end.
    const call = started.call.bind(started);
    started.call = async (method, path, options) => {
      const res = await call(method, path, options);
      bodies.push(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
      return res as never;
    };
    Object.assign(api, started);
  });
  afterAll(async () => started?.stop());

  const rnd = () => randomBytes(4).toString('hex');
  const remember = (p: string) => (passwords.add(p), p);
  return {
    api,
    passwords,
    bodies,
    rnd,
    remember,
    pw: (label) => remember(`Pw-${label}-${rnd()}!`),
    shortPw: () => remember(`Q!${rnd().slice(0, 5)}`),
  };
}

export const codeOf = (res: CallResult) => (res.body as { message_code?: string }).message_code;

export type Role = 'admin' | 'user' | 'viewer';
export interface UserData {
  id: string;
  username: string;
  role: Role;
  is_active: boolean;
}
export interface Created extends UserData {
  password: string;
}
export type Page<T> = { data: T[]; meta: { page: number; limit: number; total: number; pages: number } };

/**
 * useSecurityFixture with the bootstrap administrator logged in by a beforeAll after it: `admin.token` (a
 * test may replace it), and the user-management calls made as that administrator.
 */
export function useAdminFixture(env?: Record<string, string>) {
  const fixture = useSecurityFixture(env);
  const admin = { token: '' };
  beforeAll(async () => {
    admin.token = await fixture.api.login('admin', ADMIN_PASSWORD);
  });
  return { fixture, admin, ...userHelpers(fixture, () => admin.token) };
}

/** User-management calls made as the administrator whose token `adminToken()` returns at call time. */
export function userHelpers(fixture: SecurityFixture, adminToken: () => string) {
  const { api, rnd, pw } = fixture;
  async function createUser(role: Role, label: string = role, isActive = true): Promise<Created> {
    const username = `${label}-${rnd()}`;
    const password = pw(label);
    const res = await api.call<{ data: UserData }>('POST', '/users', {
      token: adminToken(),
      body: { username, password, role, is_active: isActive },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { ...res.body.data, password };
  }
  return {
    createUser,
    me: (token: string) => api.call('GET', '/auth/me', { token }),
    login: (username: string, password: string) =>
      api.call<{ data: { access_token: string } }>('POST', '/auth/login', { body: { username, password } }),
    put: (id: string, body: unknown, token = adminToken()) =>
      api.call('PUT', `/users/${id}`, { token, body }),
    del: (id: string, token = adminToken()) => api.call('DELETE', `/users/${id}`, { token }),
  };
}

/** Sanity minimums: the checks looked at something (counts must be greater than these). */
export interface LeakMinimums {
  events: number;
  passwords: number;
  bodies: number;
}

/**
 * The closing `secrets never leak` suite: no recorded password (nor a scrypt hash) in the events, the
 * audit log, a response body or the server's output.
 */
export function describeSecretsNeverLeak(fixture: SecurityFixture, min: LeakMinimums): void {
  const { api, passwords, bodies } = fixture;
  describe('secrets never leak', () => {
    const leaks = (text: string) =>
      [...passwords].filter((p) => text.includes(p)).concat(text.includes('scrypt$') ? ['scrypt$'] : []);

    it('events and the audit log hold no password and no hash', async () => {
      // Once the audit_log projection has caught up with every audit event.
      const count = async (sql: string) =>
        Number((await api.db.knex.raw<{ rows: { n: string }[] }>(sql)).rows[0]?.n);
      await expect
        .poll(async () => count('SELECT count(*) AS n FROM audit_log'), { timeout: 15_000 })
        .toBe(await count("SELECT count(*) AS n FROM events WHERE stream_id LIKE 'audit-%'"));
      const events = await api.db.knex.raw<{ rows: { data: string; metadata: string }[] }>(
        'SELECT data::text AS data, metadata::text AS metadata FROM events',
      );
      expect(events.rows.length).toBeGreaterThan(min.events);
      for (const row of events.rows) expect(leaks(row.data + row.metadata)).toEqual([]);
      const audit = await api.db.knex.raw<{ rows: { details: string }[] }>(
        'SELECT details::text AS details FROM audit_log',
      );
      expect(audit.rows.length).toBeGreaterThan(min.events);
      for (const row of audit.rows) expect(leaks(row.details)).toEqual([]);
    });

    it('no response body held a password, a hash or password_hash', () => {
      expect(passwords.size).toBeGreaterThan(min.passwords);
      expect(bodies.length).toBeGreaterThan(min.bodies);
      for (const body of bodies) {
        expect(leaks(body)).toEqual([]);
        expect(body).not.toContain('password_hash');
      }
    });

    it("the server's output holds no password (not even the admin password from the environment)", () => {
      expect(leaks(api.server.output())).toEqual([]);
    });
  });
}
