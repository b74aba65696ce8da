// Sessions (logout, change of password, disabled accounts) and the audit trail, against the built
// binary (users and the last administrator: apiUsers.e2e.test.ts). Ends by checking that no
// password (nor a hash) reached the events, the audit log, a response or the server's output.
import { describe, expect, it } from 'vitest';
import type { CallResult } from '../support/apiServer.js';
import {
  codeOf,
  describeSecretsNeverLeak,
  useAdminFixture,
  type Page,
  type UserData,
} from '../support/securityFixture.js';

const { fixture, admin, createUser, me, login, put, del } = useAdminFixture();
const { api, rnd, pw, shortPw } = fixture;

describe('sessions', () => {
  it('logout revokes the bearer token it was called with, and only that one', async () => {
    const u = await createUser('viewer', 'logout');
    const first = await api.login(u.username, u.password);
    const second = await api.login(u.username, u.password);
    const out = await api.call('POST', '/auth/logout', { token: first });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ data: { logged_out: true } });
    const after = await me(first);
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({
      message_code: 'AUTHENTICATION_REQUIRED',
      context: { reason: 'logged out' },
    });
    expect((await api.call('POST', '/auth/logout', { token: first })).status).toBe(401);
    expect((await me(second)).status).toBe(200);
  });

  it('change-password refuses a wrong old password, a mismatch and a short password', async () => {
    const u = await createUser('user', 'chpw-bad');
    const token = await api.login(u.username, u.password);
    const change = (body: Record<string, string>) =>
      api.call('POST', '/auth/change-password', { token, body });
    const fresh = pw('chpw-new');

    const wrongOld = await change({
      old_password: pw('chpw-wrong'),
      new_password: fresh,
      confirm_password: fresh,
    });
    expect([wrongOld.status, codeOf(wrongOld)]).toEqual([401, 'INVALID_OLD_PASSWORD']);
    const mismatch = await change({
      old_password: u.password,
      new_password: fresh,
      confirm_password: pw('other'),
    });
    expect([mismatch.status, codeOf(mismatch)]).toEqual([400, 'PASSWORD_MISMATCH']);
    const short = shortPw();
    const tooShort = await change({ old_password: u.password, new_password: short, confirm_password: short });
    expect([tooShort.status, codeOf(tooShort)]).toEqual([400, 'PASSWORD_INVALID']);
    const asName = await change({
      old_password: u.password,
      new_password: u.username,
      confirm_password: u.username,
    });
    expect(codeOf(asName)).toBe('PASSWORD_INVALID');
    const unknown = await change({
      old_password: u.password,
      new_password: fresh,
      confirm_password: fresh,
      x: '1',
    });
    expect(codeOf(unknown)).toBe('VALIDATION_ERROR');

    // None of them changed anything.
    expect((await me(token)).status).toBe(200);
    expect((await login(u.username, u.password)).status).toBe(200);
  });

  it('a successful change ends every old session; the returned token and the new password work', async () => {
    const u = await createUser('user', 'chpw-ok');
    const token = await api.login(u.username, u.password);
    const otherSession = await api.login(u.username, u.password);
    const fresh = pw('chpw-fresh');
    const res = await api.call<{ data: { access_token: string; user: UserData } }>(
      'POST',
      '/auth/change-password',
      {
        token,
        body: { old_password: u.password, new_password: fresh, confirm_password: fresh },
      },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.user.id).toBe(u.id);
    expect((await me(token)).status).toBe(401);
    expect((await me(otherSession)).status).toBe(401);
    expect((await me(res.body.data.access_token)).status).toBe(200);
    expect(codeOf(await login(u.username, u.password))).toBe('INVALID_CREDENTIALS');
    expect((await login(u.username, fresh)).status).toBe(200);
  });

  it('disabling a user ends its sessions with ACCOUNT_DISABLED; re-enabling does not revive them', async () => {
    const u = await createUser('user', 'disabled');
    const token = await api.login(u.username, u.password);
    expect((await put(u.id, { is_active: false })).status).toBe(200);
    const refused = await me(token);
    expect([refused.status, codeOf(refused)]).toEqual([403, 'ACCOUNT_DISABLED']);
    const again = await login(u.username, u.password);
    expect([again.status, codeOf(again)]).toEqual([403, 'ACCOUNT_DISABLED']);
    // A wrong password does not learn that the account is disabled.
    expect(codeOf(await login(u.username, pw('disabled-wrong')))).toBe('INVALID_CREDENTIALS');

    expect((await put(u.id, { is_active: true })).status).toBe(200);
    expect((await me(token)).status).toBe(401);
    const back = await api.call('GET', '/users', { token: admin.token }); // the admin is unaffected
    expect(back.status).toBe(200);
  });

  it("an admin setting a password ends that user's sessions", async () => {
    const u = await createUser('viewer', 'reset');
    const token = await api.login(u.username, u.password);
    const fresh = pw('reset-new');
    expect((await put(u.id, { password: fresh })).status).toBe(200);
    const after = await me(token);
    expect(after.status).toBe(401);
    expect(codeOf(await login(u.username, u.password))).toBe('INVALID_CREDENTIALS');
    expect((await login(u.username, fresh)).status).toBe(200);
    const short = shortPw();
    expect(codeOf(await put(u.id, { password: short }))).toBe('PASSWORD_INVALID');
  });

  it("a role change takes effect on the user's existing token; a deleted user's token stops working", async () => {
    const u = await createUser('admin', 'demoted');
    const token = await api.login(u.username, u.password);
    expect((await api.call('GET', '/users', { token })).status).toBe(200);
    expect((await put(u.id, { role: 'viewer' })).status).toBe(200);
    expect(codeOf(await api.call('GET', '/users', { token }))).toBe('PERMISSION_DENIED');
    expect((await del(u.id)).status).toBe(200);
    expect((await me(token)).status).toBe(401);
  });
});

describe('sessions started while the password changes', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** Logs in with `password` 10, 40 and 70 ms after `change` was sent; the tokens that were issued. */
  async function loginsDuring(change: () => Promise<CallResult>, username: string, password: string) {
    const changing = change();
    const tokens = await Promise.all(
      [10, 40, 70].map(async (delay) => {
        await sleep(delay);
        return (await login(username, password)).body.data?.access_token;
      }),
    );
    expect((await changing).status).toBe(200);
    return tokens.filter((t): t is string => typeof t === 'string');
  }

  // Sessions obtained with the OLD password while a change of password is in flight must not survive it
  // (tokens carry a fingerprint of the password hash they were issued under).
  // makeChangePassword / makeUpdateUser set tokens_valid_after to ctx.now, taken when the request
  // started, before the scrypt verify and hash; a login that read the old hash meanwhile issues a token
  // with a later iat_ms, which stays valid for the whole JWT TTL (observed: every such token answers
  // 200 on GET /auth/me after the change returned 200). Someone who knows the old password and keeps
  // logging in keeps a session through the victim's password change.
  it('change-password ends sessions obtained with the old password during the change', async () => {
    const u = await createUser('viewer', 'chpw-race');
    const token = await api.login(u.username, u.password);
    const fresh = pw('chpw-race-new');
    const raced = await loginsDuring(
      () =>
        api.call('POST', '/auth/change-password', {
          token,
          body: { old_password: u.password, new_password: fresh, confirm_password: fresh },
        }),
      u.username,
      u.password,
    );
    expect(raced.length).toBeGreaterThan(0);
    const alive = [];
    for (const t of raced) alive.push((await me(t)).status);
    expect(alive.filter((s) => s !== 401)).toEqual([]);
  });

  // The same for an administrator setting the password (PUT /users/:id {password}).
  it("an admin's password reset ends sessions obtained with the old password during the reset", async () => {
    const u = await createUser('viewer', 'reset-race');
    const raced = await loginsDuring(
      () => put(u.id, { password: pw('reset-race-new') }),
      u.username,
      u.password,
    );
    expect(raced.length).toBeGreaterThan(0);
    const alive = [];
    for (const t of raced) alive.push((await me(t)).status);
    expect(alive.filter((s) => s !== 401)).toEqual([]);
  });
});

describe('the audit trail', () => {
  interface AuditEvent {
    type: string;
    username: string | null;
    user_id: string | null;
    actor: { kind: string; id: string };
    details: Record<string, unknown>;
  }
  const events = async (query: string, token = admin.token) =>
    (await api.call<Page<AuditEvent>>('GET', `/audit/events?limit=100&${query}`, { token })).body;

  it('records sign-ins, failures (with their reason) and user changes', async () => {
    const ghost = `ghost-${rnd()}`;
    for (let i = 0; i < 4; i++) await login(ghost, pw('ghost'));
    const expected = [
      'LoginSucceeded',
      'LoginFailed',
      'UserCreated',
      'UserUpdated',
      'UserRoleChanged',
      'UserPasswordChanged',
      'UserDeleted',
      'LoggedOut',
    ];
    for (const type of expected) {
      await expect
        .poll(async () => (await events(`type=${type}`)).meta?.total ?? 0, { timeout: 15_000, message: type })
        .toBeGreaterThan(0);
    }
    await expect
      .poll(async () => new Set((await events('type=LoginFailed')).data.map((e) => e.details.reason)), {
        timeout: 15_000,
      })
      .toEqual(new Set(['wrong_password', 'unknown_user', 'rate_limited', 'account_disabled']));
    await expect
      .poll(async () => (await events(`username=${ghost.toUpperCase()}`)).data.map((e) => e.details.reason), {
        timeout: 15_000,
      })
      .toEqual(['rate_limited', 'unknown_user', 'unknown_user', 'unknown_user']);

    const changed = (await events('type=UserPasswordChanged')).data.map((e) => e.details.by);
    expect(new Set(changed)).toEqual(new Set(['self', 'admin']));
    const roles = (await events('type=UserRoleChanged')).data;
    expect(roles.some((e) => e.details.from === 'admin' && e.details.to === 'viewer')).toBe(true);
  });

  it('filters by type and username', async () => {
    const byType = await events('type=UserCreated');
    expect(byType.data.length).toBeGreaterThan(5);
    expect(new Set(byType.data.map((e) => e.type))).toEqual(new Set(['UserCreated']));

    const someone = byType.data[0]!.username!;
    const byName = await events(`username=${someone.toUpperCase()}`);
    expect(byName.data.length).toBeGreaterThan(0);
    expect(new Set(byName.data.map((e) => e.username?.toLowerCase()))).toEqual(
      new Set([someone.toLowerCase()]),
    );

    const bad = await api.call('GET', '/audit/events?type=NoSuchEvent', { token: admin.token });
    expect(codeOf(bad)).toBe('VALIDATION_ERROR');
  });

  it('is for administrators only', async () => {
    const v = await createUser('viewer', 'audit-viewer');
    const res = await api.call('GET', '/audit/events', { token: await api.login(v.username, v.password) });
    expect([res.status, codeOf(res)]).toEqual([403, 'PERMISSION_DENIED']);
  });
});

describeSecretsNeverLeak(fixture, { events: 20, passwords: 20, bodies: 80 });
