// CSRF on cookie sessions, role checks and login rate limits, against the built binary. Input
// validation: apiInput.e2e.test.ts; sessions and the audit trail: apiSessions.e2e.test.ts; users and the
// last administrator: apiUsers.e2e.test.ts. Each file starts the server with the same environment and
// ends by checking that no password (nor a hash) reached the events, the audit log, a response or the
// server's output.
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, type CallResult } from '../support/apiServer.js';
import {
  codeOf,
  describeSecretsNeverLeak,
  useSecurityFixture,
  type Role,
} from '../support/securityFixture.js';

const fixture = useSecurityFixture();
const { api, rnd, pw } = fixture;
let admin: string;
beforeAll(async () => {
  admin = await api.adminToken();
});

async function createUser(role: Role, label: string = role) {
  const username = `${label}-${rnd()}`;
  const password = pw(label);
  const res = await api.call<{ data: { id: string } }>('POST', '/users', {
    token: admin,
    body: { username, password, role },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.data.id, username, password };
}

/** name=value pairs from Set-Cookie headers. */
function setCookies(res: CallResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const at = pair.indexOf('=');
    out[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return out;
}
const cookieHeader = (jar: Record<string, string>) =>
  Object.entries(jar)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('; ');

/** Logs in and returns the cookie jar (wf_session). */
async function browserLogin(username: string, password: string) {
  const res = await api.call('POST', '/auth/login', { body: { username, password } });
  expect(res.status).toBe(200);
  const jar = setCookies(res);
  expect(jar.wf_session).toBeTruthy();
  return { jar, setCookie: res.headers.getSetCookie() };
}
/** GET /auth/csrf-token with the given cookies: the token, and the jar with wf_csrf added. */
async function csrfToken(jar: Record<string, string>) {
  const res = await api.call<{ data: { csrf_token: string; header: string } }>('GET', '/auth/csrf-token', {
    headers: Object.keys(jar).length ? { cookie: cookieHeader(jar) } : {},
  });
  expect(res.status).toBe(200);
  expect(res.body.data.header).toBe('X-CSRF-Token');
  const csrfCookie = setCookies(res).wf_csrf;
  expect(csrfCookie).toBeTruthy();
  return { token: res.body.data.csrf_token, jar: { ...jar, wf_csrf: csrfCookie! } };
}

describe('CSRF on cookie-authenticated writes', () => {
  const newUser = () => ({ username: `csrf-${rnd()}`, password: pw('csrf-new'), role: 'viewer' });

  it('the login sets an httpOnly, SameSite=Lax session cookie', async () => {
    const { setCookie } = await browserLogin('admin', ADMIN_PASSWORD);
    const session = setCookie.find((c) => c.startsWith('wf_session='));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(session).toMatch(/Path=\//i);
  });

  it('refuses a write without X-CSRF-Token (CSRF_MISSING), with a wrong one and with a pre-login one (CSRF_INVALID)', async () => {
    // A token fetched before logging in is bound to no session.
    const before = await csrfToken({});
    const { jar } = await browserLogin('admin', ADMIN_PASSWORD);
    const session = await csrfToken(jar);

    const missing = await api.call('POST', '/users', {
      headers: { cookie: cookieHeader(session.jar) },
      body: newUser(),
    });
    expect(missing.status).toBe(403);
    expect(codeOf(missing)).toBe('CSRF_MISSING');

    const wrong = await api.call('POST', '/users', {
      headers: { cookie: cookieHeader(session.jar), 'x-csrf-token': 'wrong-token' },
      body: newUser(),
    });
    expect(wrong.status).toBe(403);
    expect(codeOf(wrong)).toBe('CSRF_INVALID');

    const stale = await api.call('POST', '/users', {
      headers: {
        cookie: cookieHeader({ ...jar, wf_csrf: before.jar.wf_csrf }),
        'x-csrf-token': before.token,
      },
      body: newUser(),
    });
    expect(stale.status).toBe(403);
    expect(codeOf(stale)).toBe('CSRF_INVALID');

    // The right token in the header, but no wf_csrf cookie to match it.
    const noCookie = await api.call('POST', '/users', {
      headers: { cookie: cookieHeader(jar), 'x-csrf-token': session.token },
      body: newUser(),
    });
    expect(codeOf(noCookie)).toBe('CSRF_INVALID');

    // Another session's token and cookie.
    const other = await csrfToken((await browserLogin('admin', ADMIN_PASSWORD)).jar);
    const foreign = await api.call('POST', '/users', {
      headers: { cookie: cookieHeader({ ...jar, wf_csrf: other.jar.wf_csrf }), 'x-csrf-token': other.token },
      body: newUser(),
    });
    expect(codeOf(foreign)).toBe('CSRF_INVALID');

    const right = await api.call('POST', '/users', {
      headers: { cookie: cookieHeader(session.jar), 'x-csrf-token': session.token },
      body: newUser(),
    });
    expect(right.status, JSON.stringify(right.body)).toBe(201);
  });

  it('checks CSRF on every write method (PUT, DELETE, change-password, logout)', async () => {
    const { jar } = await browserLogin('admin', ADMIN_PASSWORD);
    const target = await createUser('viewer', 'csrf-target');
    const writes: [string, string, unknown][] = [
      ['PUT', `/users/${target.id}`, { role: 'user' }],
      ['DELETE', `/users/${target.id}`, undefined],
      ['POST', '/auth/change-password', { old_password: 'x', new_password: 'y', confirm_password: 'y' }],
      ['POST', '/auth/logout', undefined],
    ];
    for (const [method, path, body] of writes) {
      const res = await api.call(method, path, { headers: { cookie: cookieHeader(jar) }, body });
      expect(`${method} ${path} -> ${res.status} ${codeOf(res)}`).toBe(
        `${method} ${path} -> 403 CSRF_MISSING`,
      );
    }
    // Nothing happened: the target is unchanged and the session still works.
    const still = await api.call<{ data: { role: string } }>('GET', `/users/${target.id}`, { token: admin });
    expect(still.body.data.role).toBe('viewer');
    expect((await api.call('GET', '/auth/me', { headers: { cookie: cookieHeader(jar) } })).status).toBe(200);
  });

  it('GET with the cookie needs no token; bearer writes need none', async () => {
    const { jar } = await browserLogin('admin', ADMIN_PASSWORD);
    const me = await api.call<{ data: { authenticated_via: string } }>('GET', '/auth/me', {
      headers: { cookie: cookieHeader(jar) },
    });
    expect(me.status).toBe(200);
    expect(me.body.data.authenticated_via).toBe('cookie');
    expect((await api.call('GET', '/users', { headers: { cookie: cookieHeader(jar) } })).status).toBe(200);

    const bearer = await api.call('POST', '/users', { token: admin, body: newUser() });
    expect(bearer.status).toBe(201);
  });

  it('logout with the cookie and the right token ends the session and clears the cookie', async () => {
    const { jar } = await browserLogin('admin', ADMIN_PASSWORD);
    const { token, jar: withCsrf } = await csrfToken(jar);
    const out = await api.call('POST', '/auth/logout', {
      headers: { cookie: cookieHeader(withCsrf), 'x-csrf-token': token },
    });
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie().find((c) => c.startsWith('wf_session='))).toMatch(
      /Expires=Thu, 01 Jan 1970/i,
    );
    const after = await api.call('GET', '/auth/me', { headers: { cookie: cookieHeader(jar) } });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({
      message_code: 'AUTHENTICATION_REQUIRED',
      context: { reason: 'logged out' },
    });
  });
});

describe('roles', () => {
  it('a viewer can read its own profile but not manage users', async () => {
    const viewer = await createUser('viewer');
    const token = await api.login(viewer.username, viewer.password);
    const me = await api.call<{ data: { role: string; permissions: string[] } }>('GET', '/auth/me', {
      token,
    });
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ role: 'viewer', permissions: ['view'] });
    expect((await api.call('GET', '/health/basic', { token })).status).toBe(200);

    for (const [method, path, body] of [
      ['POST', '/users', { username: `v-${rnd()}`, password: pw('by-viewer') }],
      ['POST', '/users', {}], // permission is checked before the body
      ['GET', '/users', undefined],
      ['GET', '/users/stats', undefined],
      ['GET', `/users/${viewer.id}`, undefined],
      ['GET', '/audit/events', undefined],
    ] as const) {
      const res = await api.call(method, path, { token, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body, `${method} ${path}`).toMatchObject({
        message_code: 'PERMISSION_DENIED',
        context: { required_permission: 'admin', role: 'viewer' },
      });
    }
  });

  it('the user role is refused on admin routes', async () => {
    const user = await createUser('user');
    const token = await api.login(user.username, user.password);
    const me = await api.call<{ data: { permissions: string[] } }>('GET', '/auth/me', { token });
    expect(me.body.data.permissions).toEqual(['view', 'create', 'update', 'delete']);
    for (const [method, path, body] of [
      ['GET', '/users', undefined],
      ['POST', '/users', { username: `u-${rnd()}`, password: pw('by-user'), role: 'admin' }],
      ['PUT', `/users/${user.id}`, { role: 'admin' }], // not even for itself
      ['DELETE', `/users/${user.id}`, undefined],
      ['GET', '/audit/events', undefined],
    ] as const) {
      const res = await api.call(method, path, { token, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toMatchObject({ context: { required_permission: 'admin', role: 'user' } });
    }
    const still = await api.call<{ data: { role: string } }>('GET', `/users/${user.id}`, { token: admin });
    expect(still.body.data.role).toBe('user');
  });

  it('an admin may do all of it', async () => {
    for (const path of ['/users', '/users/stats', '/audit/events', '/health/detailed', '/auth/me'])
      expect((await api.call('GET', path, { token: admin })).status, path).toBe(200);
  });
});

describe('login rate limit (3 failures per username)', () => {
  const login = (username: string, password: string) =>
    api.call('POST', '/auth/login', { body: { username, password } });

  it('the 4th attempt after 3 failures is refused, even with the right password; other usernames still work', async () => {
    const victim = await createUser('viewer', 'rl-victim');
    const bystander = await createUser('viewer', 'rl-bystander');
    for (let i = 0; i < 3; i++) {
      const res = await login(victim.username, pw('rl-wrong'));
      expect(res.status).toBe(401);
      expect(codeOf(res)).toBe('INVALID_CREDENTIALS');
    }
    const blocked = await login(victim.username, victim.password);
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({
      message_code: 'RATE_LIMIT_EXCEEDED',
      recoverable: true,
      context: { retry_after_seconds: expect.any(Number) },
    });
    // The key is the username, whatever its case.
    expect((await login(victim.username.toUpperCase(), victim.password)).status).toBe(429);
    expect((await login(bystander.username, bystander.password)).status).toBe(200);
  });

  it('unknown usernames are limited the same way', async () => {
    const ghost = `ghost-${rnd()}`;
    for (let i = 0; i < 3; i++) expect((await login(ghost, pw('ghost'))).status).toBe(401);
    expect((await login(ghost, pw('ghost'))).status).toBe(429);
  });

  it('successful logins do not count', async () => {
    const u = await createUser('viewer', 'rl-ok');
    expect((await login(u.username, pw('rl-wrong'))).status).toBe(401);
    expect((await login(u.username, pw('rl-wrong'))).status).toBe(401);
    for (let i = 0; i < 4; i++) expect((await login(u.username, u.password)).status).toBe(200);
    expect((await login(u.username, pw('rl-wrong'))).status).toBe(401); // the 3rd failure
    expect((await login(u.username, u.password)).status).toBe(429);
  });
});

describe('login rate limit: edge cases', () => {
  const login = (username: string, password: string) =>
    api.call('POST', '/auth/login', { body: { username, password } });

  // Usernames are ASCII: a Unicode look-alike (U+0130) is an unknown user, not a way around the lock-out.
  it('a Unicode case variant of a locked-out username is locked out too', async () => {
    const victim = await createUser('viewer', 'victim');
    for (let i = 0; i < 3; i++) expect((await login(victim.username, pw('guess'))).status).toBe(401);
    expect((await login(victim.username, victim.password)).status).toBe(429);
    const variant = victim.username.replace('i', 'İ');
    expect(variant).not.toBe(victim.username);
    const res = await login(variant, victim.password);
    expect(['401 INVALID_CREDENTIALS', '429 RATE_LIMIT_EXCEEDED']).toContain(`${res.status} ${codeOf(res)}`);
    // Nor does it reach the admin account by case folding.
    expect((await login('admİn', 'e2e-Admin-password-1')).status).toBe(401);
  });

  // KNOWN LIMIT (express-rate-limit): "only failed attempts count against a username" (skipSuccessfulRequests) holds only
  // after a login finished: express-rate-limit counts every request on arrival and gives successful ones
  // back when they complete. With LOGIN_RATE_LIMIT_PER_USER=3, 6 simultaneous logins with the right
  // password get 3 x 200 and 3 x 429 RATE_LIMIT_EXCEEDED (each 429 also audited as a LoginFailed
  // 'rate_limited'), although no attempt failed.
  it.fails('simultaneous successful logins are not refused', async () => {
    const u = await createUser('viewer', 'rl-parallel');
    const results = await Promise.all(Array.from({ length: 6 }, () => login(u.username, u.password)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });
});

describeSecretsNeverLeak(fixture, { events: 20, passwords: 10, bodies: 50 });
