// Two `serve` processes of the built server on one DATABASE_URL: one leads every projection, the other
// stands by and still answers writes that wait for their projection; killing the leader (SIGKILL) hands
// the projections to the survivor within a few seconds, and a write through it is projected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, TEST_SECRET_KEY } from '../support/apiServer.js';
import { freePort } from '../support/net.js';
import { buildOnce, callApi, startServerProcess, type ServerProcess } from '../support/serverProcess.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const RETRY_MS = 500;

interface Detailed {
  data: { projections: { name: string; running: boolean; leader: boolean }[] };
}

describe('projection leadership across serve processes', () => {
  let db: TestDatabase;
  const servers: ServerProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    await buildOnce();
    db = await createTestDatabase();
    env = {
      DATABASE_URL: db.url,
      WHALEFALL_SECRET_KEY: TEST_SECRET_KEY,
      WHALEFALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      WHALEFALL_SCHEDULER: 'off',
      LOG_LEVEL: 'warn',
      PROJECTION_LEADER_RETRY_MS: String(RETRY_MS),
    };
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await db?.drop();
  });

  const api = callApi;
  const login = async (server: ServerProcess) =>
    (
      await api<{ data: { access_token: string } }>(server, 'POST', '/auth/login', undefined, {
        username: 'admin',
        password: ADMIN_PASSWORD,
      })
    ).body.data.access_token;
  /** The projections this server leads, and how many it runs. */
  const leading = async (server: ServerProcess, token: string) => {
    const { body } = await api<Detailed>(server, 'GET', '/health/detailed', token);
    const { projections } = body.data;
    return {
      running: projections.filter((p) => p.running).length,
      leads: projections.filter((p) => p.leader).length,
      of: projections.length,
    };
  };
  /** Creates a credential through the server; the answer waits for the projection, then reads it back. */
  const createCredential = async (server: ServerProcess, token: string, name: string) => {
    const created = await api(server, 'POST', '/credentials', token, {
      name,
      db_type: 'mysql',
      username: 'u',
      password: 'p-long-enough',
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;
    const read = await api(server, 'GET', `/credentials/${id}`, token);
    expect(read.status).toBe(200);
    expect(read.body.data.name).toBe(name);
  };

  it('one process leads, the other answers through the checkpoint, and takes over when the leader is killed', async () => {
    const first = await startServerProcess(env, await freePort());
    servers.push(first);
    const firstToken = await login(first);
    await expect
      .poll(async () => (await leading(first, firstToken)).leads, { timeout: 10_000 })
      .toBeGreaterThan(0);
    const all = (await leading(first, firstToken)).of;
    await expect.poll(async () => (await leading(first, firstToken)).leads, { timeout: 10_000 }).toBe(all);

    const second = await startServerProcess(env, await freePort());
    servers.push(second);
    const token = await login(second);
    await new Promise((r) => setTimeout(r, RETRY_MS * 3));
    expect(await leading(second, token)).toEqual({ running: all, leads: 0, of: all });
    expect((await leading(first, firstToken)).leads).toBe(all);
    // Ready: a stand-by is not a failing projection.
    expect((await fetch(`${second.baseUrl}/api/v1/health/ready`)).status).toBe(200);

    // A write through the stand-by: its answer waits until the leader (the other process) projected it.
    await createCredential(second, token, 'through-the-stand-by');

    await first.stop('SIGKILL');
    const killed = Date.now();
    await expect
      .poll(async () => (await leading(second, token)).leads, { timeout: 10_000, interval: 100 })
      .toBe(all);
    expect(Date.now() - killed).toBeLessThan(5_000);
    await createCredential(second, token, 'after-the-takeover');
    const list = await api<{ data: { name: string }[] }>(second, 'GET', '/credentials', token);
    expect(list.body.data.map((c) => c.name).sort()).toEqual(['after-the-takeover', 'through-the-stand-by']);
  });
});
