// `whalefall events tail` outlives a restart of the server it follows: on the embedded PostgreSQL, the
// store goes away with `serve`; the tail says so, reconnects when it is back, and goes on after the last
// event it printed, without a gap or a repeat.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, type CliProcess } from '../support/cliProcess.js';
import { freePort } from '../support/net.js';
import { buildOnce, startServerProcess, type ServerProcess } from '../support/serverProcess.js';

const ADMIN_PASSWORD = 'e2e-Tail-admin-pw-1';

describe('events tail across a server restart', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let tail: CliProcess | undefined;

  beforeAll(async () => {
    await buildOnce();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wf-tail-'));
    env = {
      WHALEFALL_DATA_DIR: dataDir,
      WHALEFALL_EMBEDDED_PG_PORT: String(await freePort()),
      WHALEFALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    };
  });
  afterAll(async () => {
    tail?.child.kill('SIGKILL');
    await server?.stop('SIGTERM');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  /** Creates a credential through the API: one CredentialCreated event named `name`. */
  const createCredential = async (name: string) => {
    const base = `${server!.baseUrl}/api/v1`;
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const { data } = (await login.json()) as { data: { access_token: string } };
    const res = await fetch(`${base}/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${data.access_token}` },
      body: JSON.stringify({ name, db_type: 'mysql', username: 'u', password: 'p-long-enough' }),
    });
    expect(res.status).toBe(201);
  };
  const printedNames = () =>
    tail!
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; data: { name?: string } })
      .filter((e) => e.type === 'CredentialCreated')
      .map((e) => e.data.name);

  it('says the store is lost, reconnects after the restart and prints what came after, once', async () => {
    server = await startServerProcess(env, await freePort());
    tail = spawnCli(['events', 'tail', '--json'], env);
    await tail.waitFor(/store the embedded PostgreSQL/, 30_000, 'stderr');
    await new Promise((r) => setTimeout(r, 1000)); // the tail has read its head position
    await createCredential('before-restart');
    await tail.waitFor(/"name":"before-restart"/);

    expect(await server.stop('SIGTERM')).toBe(0);
    await tail.waitFor(/lost the event store/, 30_000, 'stderr');
    server = await startServerProcess(env, await freePort());
    await tail.waitFor(/reconnected to the event store/, 60_000, 'stderr');
    await createCredential('after-restart');
    await tail.waitFor(/"name":"after-restart"/);
    expect(printedNames()).toEqual(['before-restart', 'after-restart']);

    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(0);
    tail = undefined;
  });
});
