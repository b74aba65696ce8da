// The README's promise: on a machine with nothing but Node, `npm start` runs the service on an
// embedded PostgreSQL, keeps its data across restarts, and stops cleanly.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { postmasterRunning as postgresRunning, removeDataDir } from '../support/postmasterProcess.js';
import { buildOnce, runCli, startServerProcess, type ServerProcess } from '../support/serverProcess.js';

describe('npm start on embedded PostgreSQL', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    await buildOnce();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'whalefall-e2e-'));
    env = { WHALEFALL_DATA_DIR: dataDir, WHALEFALL_EMBEDDED_PG_PORT: String(await freePort()) };
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await removeDataDir(dataDir);
  });
  it('starts, answers the ping, keeps its data across a restart and stops PostgreSQL on SIGTERM', async () => {
    server = await startServerProcess(env, await freePort());
    const ping = await fetch(`${server.baseUrl}/api/v1/health/ping`);
    expect(ping.status).toBe(200);
    expect(await ping.json()).toMatchObject({ success: true, message: 'pong', data: { status: 'ok' } });
    expect(await postgresRunning(dataDir)).toBe(true);

    // Write an event straight into the embedded database (no write API exists yet).
    const password = (await fs.readFile(path.join(dataDir, 'embedded-pg.password'), 'utf8')).trim();
    const stream = `e2e-${randomUUID()}`;
    const client = new pg.Client({
      connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${env.WHALEFALL_EMBEDDED_PG_PORT}/whalefall`,
    });
    await client.connect();
    const metadata = {
      correlationId: 'c',
      causationId: null,
      actor: { kind: 'system', id: 'e2e' },
      occurredAt: new Date().toISOString(),
    };
    await client.query(
      `SELECT * FROM wf_append($1, 'no_stream', $2::uuid[], $3::text[], $4::int[], $5::jsonb[], $6::jsonb[])`,
      [
        stream,
        [randomUUID()],
        ['E2eHappened'],
        [1],
        [JSON.stringify({ kept: true })],
        [JSON.stringify(metadata)],
      ],
    );
    await client.end();

    // The CLI attaches to the running server's database rather than fighting over the data directory.
    const shown = await runCli(['events', 'show', stream, '--json'], env);
    expect(JSON.parse(shown)).toMatchObject({
      streamId: stream,
      revision: '0',
      type: 'E2eHappened',
      data: { kept: true },
    });

    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.output()).toContain('embedded PostgreSQL stopped');
    expect(await postgresRunning(dataDir)).toBe(false);

    server = await startServerProcess(env, await freePort());
    expect(server.output()).not.toContain('initialising the embedded PostgreSQL data directory');
    const again = await runCli(['events', 'show', stream, '--json'], env);
    expect(JSON.parse(again)).toMatchObject({ streamId: stream, data: { kept: true } });
  });

  it('after SIGKILL, the next start stops the orphaned PostgreSQL and comes up on the same data', async () => {
    server ??= await startServerProcess(env, await freePort());
    await server.stop('SIGKILL');
    expect(await postgresRunning(dataDir)).toBe(true); // orphaned: its parent died without stopping it
    server = await startServerProcess(env, await freePort());
    expect(server.output()).toContain('left running by a previous process');
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await postgresRunning(dataDir)).toBe(false);
    server = undefined;
  });
});
