// Two real `serve` processes on one database, the local MariaDB 15 ms away (a latency proxy): a cron tick
// runs once whatever the number of processes; a 20-instance account sync is shared between both (each
// record names the process that ran it); SIGKILL of the process that started it mid-run: the other one
// ends every record (recovery abandons the dead one's, the rest complete), leads the projections within
// its retry interval, and the read tables equal a rebuild from the events.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { allProjections } from '../../src/projections/index.js';
import { ADMIN_PASSWORD, TEST_SECRET_KEY } from '../support/apiServer.js';
import { freePort } from '../support/net.js';
import { openRemoteMariadb, registerRemoteInstances, type RemoteMariadb } from '../support/remoteMariadb.js';
import { expectRebuildMatchesLive } from '../support/readTables.js';
import {
  buildOnce,
  callApi,
  runCli,
  startServerProcess,
  type ServerProcess,
} from '../support/serverProcess.js';
import { mysqlService, titled } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const service = mysqlService();
const p = `wfs_${randomBytes(3).toString('hex')}`;
const INSTANCES = 20;

describe.skipIf(!service.url)(titled('two server processes on one database', service), () => {
  let db: TestDatabase;
  let remote: RemoteMariadb;
  let env: Record<string, string>;
  let a: ServerProcess;
  let b: ServerProcess;

  const api = callApi;
  const login = async (server: ServerProcess) =>
    (await api(server, 'POST', '/auth/login', undefined, { username: 'admin', password: ADMIN_PASSWORD }))
      .body.data.access_token as string;
  const eventsOf = (type: string, where: Record<string, string> = {}) => {
    let q = db.knex('events').where({ type });
    for (const [k, v] of Object.entries(where)) q = q.whereRaw(`data->>? = ?`, [k, v]);
    return q
      .orderBy('global_position')
      .select<{ data: Record<string, unknown>; metadata: Record<string, unknown> }[]>('data', 'metadata');
  };

  beforeAll(async () => {
    await buildOnce();
    db = await createTestDatabase();
    remote = await openRemoteMariadb(service.url!, p, 15);
    env = {
      DATABASE_URL: db.url,
      WHALEFALL_SECRET_KEY: TEST_SECRET_KEY,
      WHALEFALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      WHALEFALL_SCHEDULER: 'on',
      SYNC_CONCURRENCY: '2',
      SYNC_HEARTBEAT_MS: '300',
      SYNC_RECOVERY_INTERVAL_MS: '1000',
      SYNC_INSTANCE_DEADLINE_MS: '20000',
      PROJECTION_LEADER_RETRY_MS: '500',
    };
    a = await startServerProcess(env, await freePort());
    b = await startServerProcess(env, await freePort());
  }, 180_000);
  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGKILL');
    await remote?.close();
    await db?.drop();
  });

  it('runs a cron tick once, whatever the number of processes', async () => {
    await runCli(['jobs', 'set-cron', 'cleanup', '* * * * *', '--timezone', 'UTC'], env);
    // The first minute boundary after the change (pg-boss checks its schedules every 30 s).
    const after = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const ticksRun = async () =>
      (await eventsOf('JobRunStarted', { jobId: 'cleanup' }))
        .map((e) => e.data.tickAt as string)
        .filter((t) => t > after);
    // The first minute boundary after the change (pg-boss checks its schedules every 30 s).
    await vi.waitFor(async () => expect(await ticksRun()).not.toHaveLength(0), {
      timeout: 150_000,
      interval: 1000,
    });
    const [tick] = (await ticksRun()).sort();
    // Both processes had their chance at it (and the catch-up pass of each runs every 30 s).
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await ticksRun()).filter((t) => t === tick)).toHaveLength(1);
    await vi.waitFor(
      async () => expect(await eventsOf('JobRunEnded', { jobId: 'cleanup' })).not.toHaveLength(0),
      {
        timeout: 30_000,
      },
    );
    await runCli(['jobs', 'set-cron', 'cleanup', '0 5 * * *', '--timezone', 'UTC'], env);
  }, 200_000);

  it('shares a session between both, and ends every record when its starter is killed mid-run', async () => {
    const token = await login(a);
    const ids = await registerRemoteInstances(
      (path, body) => api(a, 'POST', path, token, body),
      remote,
      INSTANCES,
    );
    const startedSync = await api(a, 'POST', '/instances/actions/sync-accounts', token, {
      instance_ids: ids,
    });
    expect(startedSync.status).toBe(202);
    const sessionId = startedSync.body.data.session_id as string;
    const owners = async () =>
      new Set(
        (
          await db
            .knex('events')
            .where({ type: 'InstanceSyncStarted' })
            .whereRaw(`data->>'sessionId' = ?`, [sessionId])
            .select('data')
        ).map((e: { data: { owner?: string } }) => e.data.owner),
      );
    // Both processes take records; then the one that started the session dies.
    await vi.waitFor(async () => expect((await owners()).size).toBe(2), { timeout: 30_000, interval: 200 });
    await a.stop('SIGKILL');
    const store = new PostgresEventStore(db.pool);
    try {
      await vi.waitFor(
        async () => {
          const [row] = await db
            .knex('events')
            .whereRaw(`stream_id = ?`, [`session-${sessionId}`])
            .where({ type: 'SessionCompleted' });
          expect(row).toBeDefined();
        },
        { timeout: 90_000, interval: 500 },
      );
      const ended = await db
        .knex('events')
        .whereRaw(`stream_id = ?`, [`session-${sessionId}`])
        .whereIn('type', [
          'InstanceSyncCompleted',
          'InstanceSyncFailed',
          'InstanceSyncAbandoned',
          'InstanceSyncSkipped',
        ]);
      expect(new Set(ended.map((e: { data: { instanceId: string } }) => e.data.instanceId)).size).toBe(
        INSTANCES,
      );
      const survivor = await login(b);
      // The survivor projects: the session's read row catches up with its stream.
      await vi.waitFor(
        async () => {
          const s = await api(b, 'GET', `/sync-sessions/${sessionId}`, survivor);
          expect(s.body.data.status).not.toBe('running');
        },
        { timeout: 30_000, interval: 500 },
      );
      await b.stop('SIGTERM');
      await expectRebuildMatchesLive({ knex: db.knex, store, projections: allProjections });
    } finally {
      await store.close();
    }
  }, 240_000);
});
