// The service survives its own database: `kill -9` of the embedded postmaster under a running `serve`,
// a store stopped with SIGSTOP, and a restart that cannot succeed. While the store is away every request
// answers 503 within 2 s (readiness within 1 s), never a 500 or a hang; then it is back, or the process
// exits 1 saying why.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { postmasterPid as pidOf, removeDataDir } from '../support/postmasterProcess.js';
import { buildOnce, startServerProcess, type ServerProcess } from '../support/serverProcess.js';

const ADMIN_PASSWORD = 'outage-Admin-password-1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The running postmaster's pid (the test fails when there is none). */
const postmasterPid = async (dataDir: string): Promise<number> => {
  const pid = await pidOf(dataDir);
  if (pid === undefined) throw new Error(`no postmaster.pid in ${dataDir}`);
  return pid;
};

/** The postmaster and its children (each PostgreSQL child is a process group of its own). */
async function storeProcesses(postmaster: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === postmaster) children.push(Number(entry));
  }
  return [postmaster, ...children];
}

/** Sends `signal` unless the process has ended meanwhile (a store child exits on its own after a kill). */
function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

interface Answer {
  status: number;
  ms: number;
  body: Record<string, unknown> & { message_code?: string; data?: Record<string, unknown> };
}

/** GET under /api/v1; a request still unanswered after 5 s counts as status 0 (a hang). */
async function get(baseUrl: string, url: string, token?: string): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(`${baseUrl}/api/v1${url}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as Answer['body'];
    return { status: res.status, ms: performance.now() - started, body };
  } catch {
    return { status: 0, ms: performance.now() - started, body: {} };
  }
}

async function login(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const body = (await res.json()) as { data: { access_token: string } };
  return body.data.access_token;
}

async function embeddedEnv(extra: Record<string, string> = {}) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'whalefall-outage-'));
  const pgPort = await freePort();
  return {
    dataDir,
    pgPort,
    env: {
      WHALEFALL_DATA_DIR: dataDir,
      WHALEFALL_EMBEDDED_PG_PORT: String(pgPort),
      WHALEFALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ...extra,
    },
  };
}

async function cleanUp(server: ServerProcess | undefined, dataDir: string) {
  await server?.stop('SIGKILL');
  const pid = await pidOf(dataDir);
  // Children stopped by a failed SIGSTOP test would keep the data directory busy.
  if (pid) for (const p of await storeProcesses(pid)) signalIfAlive(p, 'SIGCONT');
  await removeDataDir(dataDir);
}

describe('serve when its embedded PostgreSQL dies or stops', () => {
  let server: ServerProcess | undefined;
  let dataDir: string;
  let token: string;

  beforeAll(async () => {
    await buildOnce();
    // The first restart waits 2 s: long enough to see the outage from outside.
    const setup = await embeddedEnv({ WHALEFALL_EMBEDDED_PG_RESTART_BACKOFF_MS: '2000' });
    dataDir = setup.dataDir;
    server = await startServerProcess(setup.env, await freePort());
    token = await login(server.baseUrl);
  });
  afterAll(() => cleanUp(server, dataDir));

  it('answers 503 DATABASE_UNAVAILABLE within 2 s after kill -9, restarts PostgreSQL and resumes', async () => {
    const { baseUrl } = server!;
    expect((await get(baseUrl, '/instances', token)).status).toBe(200);
    const killed = await postmasterPid(dataDir);
    process.kill(killed, 'SIGKILL');

    const seen = { unavailable: 0, notReady: 0 };
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [api, ready] = await Promise.all([
        get(baseUrl, '/instances', token),
        get(baseUrl, '/health/ready'),
      ]);
      expect(api.ms).toBeLessThan(2000);
      expect(ready.ms).toBeLessThan(1000);
      expect([200, 503]).toContain(api.status);
      expect([200, 503]).toContain(ready.status);
      if (api.status === 503) {
        expect(api.body.message_code).toBe('DATABASE_UNAVAILABLE');
        seen.unavailable++;
      }
      if (ready.status === 503) {
        expect(ready.body.message_code).toBe('SERVICE_UNAVAILABLE');
        seen.notReady++;
      }
      if (api.status === 200 && ready.status === 200 && seen.unavailable > 0) break;
      if (Date.now() > deadline) throw new Error(`not back within 60 s:\n${server!.output()}`);
      await sleep(100);
    }
    expect(seen.unavailable).toBeGreaterThan(0);
    expect(seen.notReady).toBeGreaterThan(0);
    expect(server!.output()).toContain('embedded PostgreSQL restarted');
    expect(await postmasterPid(dataDir)).not.toBe(killed);

    // The projections run again: the detailed report has no failing one.
    const detailed = await get(baseUrl, '/health/detailed', token);
    expect(detailed.status).toBe(200);
    expect(detailed.body.data).toMatchObject({ status: 'ok', reasons: [] });
  });

  it('answers within its deadlines while the store is stopped (SIGSTOP), and recovers on SIGCONT', async () => {
    const { baseUrl } = server!;
    const stopped = await storeProcesses(await postmasterPid(dataDir));
    for (const pid of stopped) process.kill(pid, 'SIGSTOP');
    try {
      const [detailed, ready, api] = await Promise.all([
        get(baseUrl, '/health/detailed', token),
        get(baseUrl, '/health/ready'),
        get(baseUrl, '/instances', token),
      ]);
      expect(detailed.ms).toBeLessThan(2000);
      expect(detailed.status).toBe(503);
      expect(detailed.body).toMatchObject({
        message_code: 'DATABASE_UNAVAILABLE',
        context: { status: 'degraded', reasons: [expect.any(String)] },
      });
      expect(ready.ms).toBeLessThan(1000);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ context: { status: 'not_ready' } });
      expect(api.ms).toBeLessThan(2000);
      expect(api.status).toBe(503);
      expect(api.body.message_code).toBe('DATABASE_UNAVAILABLE');
      // Once known down, the answer is immediate.
      const again = await get(baseUrl, '/instances', token);
      expect(again.status).toBe(503);
      expect(again.ms).toBeLessThan(500);
    } finally {
      for (const pid of stopped) process.kill(pid, 'SIGCONT');
    }
    const deadline = Date.now() + 30_000;
    while ((await get(baseUrl, '/instances', token)).status !== 200) {
      if (Date.now() > deadline) throw new Error('requests did not succeed again after SIGCONT');
      await sleep(200);
    }
    expect((await get(baseUrl, '/health/ready')).status).toBe(200);
  });
});

describe('serve when its embedded PostgreSQL cannot be restarted', () => {
  let server: ServerProcess | undefined;
  let dataDir = '';

  afterAll(() => cleanUp(server, dataDir));

  it('exits 1 with a clear message after its bounded attempts', async () => {
    await buildOnce();
    const setup = await embeddedEnv({
      WHALEFALL_EMBEDDED_PG_RESTARTS: '2',
      WHALEFALL_EMBEDDED_PG_RESTART_BACKOFF_MS: '1000',
    });
    dataDir = setup.dataDir;
    server = await startServerProcess(setup.env, await freePort());
    const exited = new Promise<number | null>((resolve) => server!.child.once('exit', resolve));

    process.kill(await postmasterPid(dataDir), 'SIGKILL');
    // Someone else takes the port before the first attempt (1 s later): every attempt fails to listen.
    // The killed postmaster's children may hold its socket for a few milliseconds more.
    const squatter = net.createServer();
    for (let tries = 0; ; tries++) {
      const bound = await new Promise<boolean>((resolve) => {
        squatter.once('error', () => resolve(false));
        squatter.listen(setup.pgPort, '127.0.0.1', () => resolve(true));
      });
      if (bound) break;
      if (tries > 40) throw new Error(`port ${setup.pgPort} stayed busy after the kill`);
      await sleep(20);
    }
    try {
      const code = await Promise.race([exited, sleep(30_000).then(() => 'still running' as const)]);
      expect(code).toBe(1);
    } finally {
      squatter.close();
    }
    expect(server.output()).toContain('could not be restarted after 2 attempt(s)');
    server = undefined;
  });
});
