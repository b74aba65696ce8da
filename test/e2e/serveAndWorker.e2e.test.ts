// `whalefall serve` and `whalefall worker` as an operator runs them on one database, the local MariaDB
// 15 ms away (a latency proxy): run now on `sync_accounts` opens a `scheduled_task` session over every
// active instance (an instance in the recycle bin is not in it), the worker takes part of its records (they
// name the worker's process), every record completes once, and a global cap of 2 account records holds
// across both processes (no moment with three records running, though each process may run two).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_PASSWORD, TEST_SECRET_KEY } from '../support/apiServer.js';
import { spawnCli, type CliProcess } from '../support/cliProcess.js';
import { freePort } from '../support/net.js';
import { openRemoteMariadb, registerRemoteInstances, type RemoteMariadb } from '../support/remoteMariadb.js';
import { buildOnce, callApi, startServerProcess, type ServerProcess } from '../support/serverProcess.js';
import { mysqlService, titled } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const service = mysqlService();
const p = `wfw_${randomBytes(3).toString('hex')}`;
const INSTANCES = 10;
const CAP = 2;

describe.skipIf(!service.url)(titled('serve and a worker on one database', service), () => {
  let db: TestDatabase;
  let remote: RemoteMariadb;
  let serve: ServerProcess;
  let worker: CliProcess;
  let workerId: string;

  const api = (method: string, path: string, token?: string, body?: unknown) =>
    callApi(serve, method, path, token, body);

  beforeAll(async () => {
    await buildOnce();
    db = await createTestDatabase();
    remote = await openRemoteMariadb(service.url!, p, 15);
    const env = {
      DATABASE_URL: db.url,
      WHALEFALL_SECRET_KEY: TEST_SECRET_KEY,
      WHALEFALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      WHALEFALL_SCHEDULER: 'on',
      SYNC_CONCURRENCY: '2',
      SYNC_GLOBAL_CAP_ACCOUNT: String(CAP),
      SYNC_HEARTBEAT_MS: '300',
    };
    serve = await startServerProcess(env, await freePort());
    worker = spawnCli(['worker'], { ...env, LOG_LEVEL: 'info' });
    const [line] = await worker.waitFor(/^.*whalefall worker is running.*$/m, 60_000);
    workerId = (JSON.parse(line) as { processId: string }).processId;
  }, 180_000);
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await serve?.stop('SIGTERM');
    await remote?.close();
    await db?.drop();
  });

  it('run now on sync_accounts: one scheduled_task session over the active instances, shared with the worker, under the cap', async () => {
    const login = await api('POST', '/auth/login', undefined, {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    const token = login.body.data.access_token as string;
    const ids = await registerRemoteInstances(
      (path, body) => api('POST', path, token, body),
      remote,
      INSTANCES + 1,
    );
    const binned = ids.pop()!;
    expect((await api('DELETE', `/instances/${binned}`, token)).status).toBe(200);

    const run = await api('POST', '/scheduler/jobs/sync_accounts/actions/run', token);
    expect(run.status).toBe(202);
    const sessionId = run.body.data.session_id as string;
    const stream = () =>
      db
        .knex('events')
        .where({ stream_id: `session-${sessionId}` })
        .orderBy('stream_revision')
        .select<{ type: string; data: Record<string, unknown>; metadata: { occurredAt: string } }[]>(
          'type',
          'data',
          'metadata',
        );
    await vi.waitFor(async () => expect((await stream()).map((e) => e.type)).toContain('SessionCompleted'), {
      timeout: 90_000,
      interval: 500,
    });
    const events = await stream();
    expect(events[0]).toMatchObject({ type: 'SessionStarted', data: { syncType: 'scheduled_task' } });
    const listed = (events[0]!.data.instances as { instanceId: string }[]).map((i) => i.instanceId);
    expect(new Set(listed)).toEqual(new Set(ids));

    const started = events.filter((e) => e.type === 'InstanceSyncStarted');
    const completed = events.filter((e) => e.type === 'InstanceSyncCompleted');
    expect(started).toHaveLength(INSTANCES);
    expect(new Set(completed.map((e) => e.data.instanceId))).toEqual(new Set(ids));
    const owners = new Set(started.map((e) => e.data.owner));
    expect(owners.size).toBe(2);
    expect(owners).toContain(workerId);

    // The cap: at no moment more than CAP records between their start and their end.
    const moments = events
      .filter((e) => e.type === 'InstanceSyncStarted' || e.type === 'InstanceSyncCompleted')
      .map((e) => ({
        at: Date.parse(e.metadata.occurredAt),
        delta: e.type === 'InstanceSyncStarted' ? 1 : -1,
      }))
      .sort((x, y) => x.at - y.at || x.delta - y.delta);
    let runningNow = 0;
    let most = 0;
    for (const m of moments) most = Math.max(most, (runningNow += m.delta));
    expect(most).toBeLessThanOrEqual(CAP);
  }, 180_000);
});
