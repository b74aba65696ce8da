// User management: create, duplicates, list filters and paging, stats; the last active administrator
// can be neither deleted, nor demoted, nor disabled, also when two administrators remove each other at
// the same moment. Against the built binary; ends by checking that no password (nor a hash) reached the
// events, the audit log, a response or the server's output.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  codeOf,
  describeSecretsNeverLeak,
  useAdminFixture,
  type Page,
  type Role,
  type UserData,
} from '../support/securityFixture.js';

/** `admin.token`, the acting administrator's: the bootstrap admin's, until the concurrency test replaces it. */
const { fixture, admin, createUser, me, put, del } = useAdminFixture();
const { api, rnd, pw, shortPw } = fixture;
const activeAdmins = async () =>
  (await api.call<Page<UserData>>('GET', '/users?role=admin&active=true&limit=100', { token: admin.token }))
    .body;

describe('users', () => {
  it('creates a user (201, defaults viewer/active, no hash) and refuses a duplicate in another case', async () => {
    const username = `Create-${rnd()}`;
    const res = await api.call<{ data: UserData & Record<string, unknown> }>('POST', '/users', {
      token: admin.token,
      body: { username, password: pw('create') },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ username, role: 'viewer', is_active: true, last_login_at: null });
    expect(Object.keys(res.body.data).sort()).toEqual(
      ['created_at', 'id', 'is_active', 'last_login_at', 'role', 'updated_at', 'username'].sort(),
    );
    for (const other of [username.toLowerCase(), username.toUpperCase(), `  ${username}  `]) {
      const dup = await api.call('POST', '/users', {
        token: admin.token,
        body: { username: other, password: pw('dup') },
      });
      expect([dup.status, codeOf(dup)], other).toEqual([409, 'USERNAME_EXISTS']);
      expect(dup.body).toMatchObject({ context: { field: 'username' } });
    }
    const get = await api.call<{ data: UserData }>('GET', `/users/${res.body.data.id}`, {
      token: admin.token,
    });
    expect(get.body.data).toMatchObject({ id: res.body.data.id, username });
    expect(codeOf(await api.call('GET', `/users/${crypto.randomUUID()}`, { token: admin.token }))).toBe(
      'RESOURCE_NOT_FOUND',
    );
  });

  it('refuses bad usernames and passwords', async () => {
    const name = `rules-${rnd()}`;
    const bad = async (body: unknown) =>
      codeOf(await api.call('POST', '/users', { token: admin.token, body }));
    expect(await bad({ username: 'a b c', password: pw('rules') })).toBe('VALIDATION_ERROR');
    expect(await bad({ username: 'ab', password: pw('rules') })).toBe('VALIDATION_ERROR');
    expect(await bad({ username: name, password: shortPw() })).toBe('PASSWORD_INVALID');
    expect(await bad({ username: name, password: name.toUpperCase() })).toBe('PASSWORD_INVALID');
    expect(await bad({ username: name, password: pw('rules'), role: 'root' })).toBe('VALIDATION_ERROR');
    expect(await bad({ username: name, password: pw('rules'), is_active: 'yes' })).toBe('VALIDATION_ERROR');
  });

  it('concurrent creations of one username (in two cases): exactly one wins', async () => {
    const name = `race-${rnd()}`;
    const results = await Promise.all(
      [name, name.toUpperCase()].map((username) =>
        api.call('POST', '/users', { token: admin.token, body: { username, password: pw('race') } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('lists with filters (role, active, search) and paging meta', async () => {
    const tag = `lst${rnd()}`;
    const made = [
      await createUser('viewer', `${tag}-a`),
      await createUser('viewer', `${tag}-b`),
      await createUser('user', `${tag}-c`),
      await createUser('user', `${tag}-d`, false),
      await createUser('admin', `${tag}-e`, false),
    ];
    const list = async (query: string) =>
      (
        await api.call<Page<UserData>>('GET', `/users?search=${tag.toUpperCase()}&${query}`, {
          token: admin.token,
        })
      ).body;

    const all = await list('limit=100');
    expect(all.data.map((u) => u.id).sort()).toEqual(made.map((u) => u.id).sort());
    expect(all.meta).toEqual({ page: 1, limit: 100, total: 5, pages: 1 });
    expect((await list('role=user')).data.map((u) => u.username).sort()).toEqual(
      [made[2]!.username, made[3]!.username].sort(),
    );
    expect((await list('active=false')).meta.total).toBe(2);
    expect((await list('active=true&role=viewer')).meta.total).toBe(2);

    const pages = [await list('limit=2&page=1'), await list('limit=2&page=2'), await list('limit=2&page=3')];
    expect(pages.map((p) => p.data.length)).toEqual([2, 2, 1]);
    expect(pages[2]!.meta).toEqual({ page: 3, limit: 2, total: 5, pages: 3 });
    expect(new Set(pages.flatMap((p) => p.data.map((u) => u.id))).size).toBe(5);
    expect((await list('limit=2&page=4')).data).toEqual([]);

    // LIKE wildcards are literal.
    for (const wildcard of ['%25', '_'])
      expect(
        (await api.call<Page<UserData>>('GET', `/users?search=${wildcard}`, { token: admin.token })).body.meta
          .total,
      ).toBe(0);
  });

  it('stats agree with the users table', async () => {
    const res = await api.call<{ data: Record<string, unknown> }>('GET', '/users/stats', {
      token: admin.token,
    });
    expect(res.status).toBe(200);
    const rows: { role: Role; is_active: boolean }[] = await api.db.knex('users').select('role', 'is_active');
    const count = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).length;
    expect(res.body.data).toEqual({
      total: rows.length,
      active: count((r) => r.is_active),
      inactive: count((r) => !r.is_active),
      by_role: {
        admin: count((r) => r.role === 'admin'),
        user: count((r) => r.role === 'user'),
        viewer: count((r) => r.role === 'viewer'),
      },
    });
  });
});

describe('the last active administrator', () => {
  let self: UserData;
  beforeAll(async () => {
    self = (await api.call<{ data: UserData }>('GET', '/auth/me', { token: admin.token })).body.data;
    // Only the bootstrap admin is active; inactive admins do not count.
    for (const other of (await activeAdmins()).data.filter((u) => u.id !== self.id)) await del(other.id);
    await createUser('admin', 'inactive-admin', false);
  });

  it('cannot be deleted, demoted or disabled', async () => {
    expect((await activeAdmins()).meta.total).toBe(1);
    for (const res of [
      await del(self.id),
      await put(self.id, { role: 'user' }),
      await put(self.id, { is_active: false }),
    ]) {
      expect([res.status, codeOf(res)]).toEqual([400, 'LAST_ADMIN_REQUIRED']);
    }
    expect((await me(admin.token)).body).toMatchObject({ data: { role: 'admin', is_active: true } });
  });

  it('another admin can be demoted, disabled and deleted while one remains', async () => {
    const other = await createUser('admin', 'second-admin');
    expect((await put(other.id, { role: 'user' })).status).toBe(200);
    expect((await put(other.id, { role: 'admin' })).status).toBe(200);
    expect((await put(other.id, { is_active: false })).status).toBe(200);
    expect((await put(other.id, { is_active: true })).status).toBe(200);
    expect((await del(other.id)).status).toBe(200);
    // And the last one may go once another is active: the other admin demotes the bootstrap one.
    const peer = await createUser('admin', 'peer-admin');
    const peerToken = await api.login(peer.username, peer.password);
    expect((await put(self.id, { role: 'user' }, peerToken)).status).toBe(200);
    expect((await put(self.id, { role: 'admin' }, peerToken)).status).toBe(200);
    expect((await del(peer.id)).status).toBe(200);
  });

  it('two admins removing each other concurrently: exactly one succeeds and one active admin remains', async () => {
    const kinds = ['delete', 'delete', 'demote', 'disable', 'delete', 'demote'] as const;
    let survivor = { id: self.id, token: admin.token };
    const outcomes: string[] = [];
    for (const kind of kinds) {
      const peer = await createUser('admin', `racer-${kind}`);
      const peerSide = { id: peer.id, token: await api.login(peer.username, peer.password) };
      expect((await activeAdmins()).meta.total).toBe(2);
      const remove = (target: string, token: string) =>
        kind === 'delete'
          ? del(target, token)
          : put(target, kind === 'demote' ? { role: 'viewer' } : { is_active: false }, token);
      const [a, b] = await Promise.all([
        remove(peerSide.id, survivor.token),
        remove(survivor.id, peerSide.token),
      ]);
      const statuses = [a, b].map((r) => `${r.status} ${codeOf(r) ?? ''}`.trim());
      outcomes.push(`${kind}: ${statuses.join(' / ')}`);
      expect(
        statuses.filter((s) => s === '200'),
        outcomes.join('\n'),
      ).toHaveLength(1);
      for (const s of statuses.filter((x) => x !== '200'))
        expect([
          '400 LAST_ADMIN_REQUIRED',
          '401 AUTHENTICATION_REQUIRED',
          '403 PERMISSION_DENIED',
          '403 ACCOUNT_DISABLED',
        ]).toContain(s);
      survivor = a.status === 200 ? survivor : peerSide;
      admin.token = survivor.token;
      const remaining = await activeAdmins();
      expect(remaining.meta.total).toBe(1);
      expect(remaining.data[0]!.id).toBe(survivor.id);
      const counted = await api.db.knex('users').where({ role: 'admin', is_active: true }).count({ n: '*' });
      expect(Number(counted[0]?.n)).toBe(1);
    }
  });
});

describeSecretsNeverLeak(fixture, { events: 20, passwords: 20, bodies: 60 });
