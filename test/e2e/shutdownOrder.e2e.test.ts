// Ctrl-C in a terminal signals the whole foreground process group. The embedded PostgreSQL runs in a
// group of its own, so it is not stopped first: `serve` stops in order (HTTP, sessions, projections,
// pools, then PostgreSQL) and nothing fails against a database that went away under it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { postmasterPid, postmasterRunning, removeDataDir } from '../support/postmasterProcess.js';
import { buildOnce, startServerProcess, type ServerProcess } from '../support/serverProcess.js';

/** The process group of a process (field 5 of /proc/<pid>/stat, after the parenthesised name). */
const processGroup = async (pid: number) => {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
};

describe('SIGINT to the process group of serve', () => {
  let server: ServerProcess | undefined;
  let dataDir: string;

  beforeAll(async () => {
    await buildOnce();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'whalefall-sigint-'));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await removeDataDir(dataDir);
  });

  it('stops HTTP, sessions, projections and pools before PostgreSQL, exits 0, and logs pings at debug', async () => {
    server = await startServerProcess(
      {
        WHALEFALL_DATA_DIR: dataDir,
        WHALEFALL_EMBEDDED_PG_PORT: String(await freePort()),
        LOG_LEVEL: 'info',
      },
      await freePort(),
      { detached: true },
    );
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${server.baseUrl}/api/v1/health/ping`)).status).toBe(200);
      expect((await fetch(`${server.baseUrl}/api/v1/health/ready`)).status).toBe(200);
    }
    // A signal to serve's group (Ctrl-C) does not reach the postmaster.
    const postmaster = await postmasterPid(dataDir);
    expect(postmaster).toBeDefined();
    expect(await processGroup(server.child.pid!)).toBe(server.child.pid);
    expect(await processGroup(postmaster!)).not.toBe(server.child.pid);

    expect(await server.stop('SIGINT')).toBe(0);
    const log = server.output();
    expect(log).not.toContain('ECONNREFUSED');
    expect(log).not.toMatch(/"level":50/); // nothing failed on the way down
    expect(log).not.toContain('/health/ping'); // liveness probes log at debug
    expect(log).not.toContain('/health/ready');

    const steps = [
      'shutting down',
      'shutdown: HTTP server closed',
      'shutdown: sync sessions stopped',
      'shutdown: projections stopped',
      'shutdown: event store pool closed',
      'shutdown: knex pool closed',
      'shutdown: embedded PostgreSQL stopped',
      '"msg":"stopped"',
    ];
    const at = steps.map((s) => log.indexOf(s));
    expect(
      at.every((i) => i >= 0),
      `every step is logged:\n${log}`,
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(await postmasterRunning(dataDir)).toBe(false);
    server = undefined;
  });
});
