// Two built `serve` processes on ONE database share the login rate limits (rate_limit_hits): failed logins
// alternating between them are refused after LOGIN_RATE_LIMIT_PER_USER in total, not that many per
// process; a success on one gives its hit back for both; the per-address limit is shared the same way.
// Each test speaks from its own client address (TRUST_PROXY, X-Forwarded-For), so their address counts
// do not mix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, TEST_SECRET_KEY } from '../support/apiServer.js';
import { freePort } from '../support/net.js';
import { buildOnce, startServerProcess, type ServerProcess } from '../support/serverProcess.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const PER_USER = 3;
const PER_ADDRESS = 6;

describe('login rate limits shared by two serve processes on one database', () => {
  let db: TestDatabase;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    await buildOnce();
    db = await createTestDatabase();
    const env = {
      DATABASE_URL: db.url,
      WHALEFALL_SECRET_KEY: TEST_SECRET_KEY,
      WHALEFALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      TRUST_PROXY: 'true',
      LOGIN_RATE_LIMIT_PER_USER: String(PER_USER),
      LOGIN_RATE_LIMIT_PER_ADDRESS: String(PER_ADDRESS),
    };
    // One after the other: the first start creates the admin, the second finds it.
    servers.push(await startServerProcess(env, await freePort()));
    servers.push(await startServerProcess(env, await freePort()));
  }, 200_000);
  afterAll(async () => {
    for (const s of servers) await s.stop('SIGTERM');
    await db?.drop();
  });

  const login = async (server: number, address: string, username: string, password: string) => {
    const res = await fetch(`${servers[server]!.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ username, password }),
    });
    const body = (await res.json()) as { message_code?: string; message?: string; data?: unknown };
    return { status: res.status, code: body.message_code, message: body.message };
  };

  it(`failed logins alternating between the processes are refused after ${PER_USER} in total`, async () => {
    const ghost = `ghost-${Date.now()}`;
    for (let i = 0; i < PER_USER; i++) {
      const res = await login(i % 2, '203.0.113.1', ghost, 'wrong-password-1');
      expect(res, `attempt ${i + 1} on process ${i % 2}`).toMatchObject({
        status: 401,
        code: 'INVALID_CREDENTIALS',
      });
    }
    // The 4th, on either process: refused (with per-process counters each would allow 3 more).
    for (const server of [1, 0]) {
      const res = await login(server, '203.0.113.1', ghost, 'wrong-password-1');
      expect(res, `process ${server}`).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED' });
      expect(res.message).toContain('this user');
    }
    const { rows } = await db.knex.raw<{ rows: { key: string; hits: number }[] }>(
      "SELECT key, hits FROM rate_limit_hits WHERE key LIKE 'login-user:%'",
    );
    expect(rows).toEqual([{ key: `login-user:user:${ghost}`, hits: PER_USER + 2 }]);
  });

  it('a successful login on one process gives its hit back for both; the right password is refused once locked', async () => {
    const address = '203.0.113.2';
    expect(await login(0, address, 'admin', 'wrong-password-2')).toMatchObject({ status: 401 });
    expect(await login(1, address, 'admin', 'wrong-password-2')).toMatchObject({ status: 401 });
    expect(await login(0, address, 'admin', ADMIN_PASSWORD)).toMatchObject({ status: 200 });
    expect(await login(1, address, 'admin', ADMIN_PASSWORD)).toMatchObject({ status: 200 });
    // Still 2 failures counted: the 3rd is answered, the next refused on the other process.
    expect(await login(0, address, 'admin', 'wrong-password-2')).toMatchObject({ status: 401 });
    expect(await login(1, address, 'admin', ADMIN_PASSWORD)).toMatchObject({
      status: 429,
      code: 'RATE_LIMIT_EXCEEDED',
    });
  });

  it(`the per-address limit (${PER_ADDRESS} attempts) is shared too`, async () => {
    const address = '203.0.113.3';
    for (let i = 0; i < PER_ADDRESS; i++) {
      // A new username each time: only the address limit can refuse them.
      const res = await login(i % 2, address, `nobody-${i}-${Date.now()}`, 'wrong-password-3');
      expect(res, `attempt ${i + 1}`).toMatchObject({ status: 401 });
    }
    for (const server of [0, 1]) {
      const res = await login(server, address, `nobody-last-${Date.now()}`, 'wrong-password-3');
      expect(res, `process ${server}`).toMatchObject({ status: 429, code: 'RATE_LIMIT_EXCEEDED' });
      expect(res.message).toContain('this address');
    }
    // Another address is not affected.
    expect(await login(1, '203.0.113.4', `nobody-other-${Date.now()}`, 'x')).toMatchObject({ status: 401 });
  });

  // TRUST_PROXY=true itself draws ERR_ERL_PERMISSIVE_TRUST_PROXY (once per process): that one is expected.
  it('neither process logged a store error, a double count or another error', () => {
    for (const s of servers) {
      const errors = s
        .output()
        .split('\n')
        .filter((line) => line.includes('"level":50') && !line.includes('ERR_ERL_PERMISSIVE_TRUST_PROXY'));
      expect(errors).toEqual([]);
      expect(s.output()).not.toMatch(/ERR_ERL_(DOUBLE_COUNT|STORE_REUSE)|error from store/);
    }
  });
});
