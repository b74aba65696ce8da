// A crash mid-session: the server is killed (SIGKILL) while one instance is slow and another is still
// pending; after a restart every record has ended, no event is lost, and the projected tables equal a
// rebuild from events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { syncSessionsProjection } from '../../src/projections/syncSessions/projection.js';
import { accountsProjection } from '../../src/projections/accounts/projection.js';
import { instancesProjection } from '../../src/projections/instances/projection.js';
import { ADMIN_PASSWORD, TEST_SECRET_KEY } from '../support/apiServer.js';
import { useFakePeers } from '../support/fakePeers.js';
import { freePort } from '../support/net.js';
import { expectRebuildMatchesLive } from '../support/readTables.js';
import { buildOnce, callApi, startServerProcess, type ServerProcess } from '../support/serverProcess.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

describe('a server killed in the middle of a sync session', () => {
  const peers = useFakePeers();
  let db: TestDatabase;
  let server: ServerProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    await buildOnce();
    db = await createTestDatabase();
    env = {
      DATABASE_URL: db.url,
      WHALEFALL_SECRET_KEY: TEST_SECRET_KEY,
      WHALEFALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      SYNC_CONCURRENCY: '1',
      // Lease = deadline + margin = 16 s: the kill comes ~1 s in, and recovery may end the record 16 s after it started.
      SYNC_INSTANCE_DEADLINE_MS: '8000',
      SYNC_RECOVERY_INTERVAL_MS: '1000',
    };
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await db?.drop();
  });

  const api = <T = { data: Record<string, unknown> }>(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ) => callApi<T>(server!, method, path, token, body);
  const login = async () =>
    (
      await api<{ data: { access_token: string } }>('POST', '/auth/login', undefined, {
        username: 'admin',
        password: ADMIN_PASSWORD,
      })
    ).body.data.access_token;

  it('ends every record after a restart, loses no event, and the tables equal a rebuild', async () => {
    server = await startServerProcess(env, await freePort());
    let token = await login();
    const cred = await api('POST', '/credentials', token, {
      name: 'c',
      db_type: 'mysql',
      username: 'u',
      password: 'p-long-enough',
    });
    const ids: string[] = [];
    for (const [name, port] of [
      ['a-slow', peers.silentPort()],
      ['b-never-started', peers.silentPort()],
    ] as const) {
      const inst = await api('POST', '/instances', token, {
        name,
        db_type: 'mysql',
        host: '127.0.0.1',
        port,
        credential_id: cred.body.data.id,
        allow_duplicate: true, // both on the one silent peer
      });
      ids.push(inst.body.data.id as string);
    }
    const started = await api<{ data: { session_id: string } }>(
      'POST',
      '/instances/actions/sync-accounts',
      token,
      { instance_ids: ids },
    );
    expect(started.status).toBe(202);
    const sessionId = started.body.data.session_id;

    // Wait until the first record runs (it hangs on the silent peer), then kill the process outright.
    await expect
      .poll(
        async () =>
          (
            await api<{ data: { records: { status: string }[] } }>(
              'GET',
              `/sync-sessions/${sessionId}`,
              token,
            )
          ).body.data.records
            .map((r) => r.status)
            .sort(),
        {
          timeout: 20_000,
        },
      )
      .toEqual(['pending', 'running']);
    const eventsBefore = await db.knex('events').count({ n: '*' });
    expect(await server.stop('SIGKILL')).toBeNull();

    // Restart: the recovery pass abandons the running record once its lease expired, then the pending one.
    server = await startServerProcess(env, await freePort());
    token = await login();
    const session = async () =>
      (
        await api<{ data: { status: string; records: { status: string; error_message: string | null }[] } }>(
          'GET',
          `/sync-sessions/${sessionId}`,
          token,
        )
      ).body.data;
    await expect
      .poll(async () => (await session()).status, { timeout: 150_000, interval: 1000 })
      .not.toBe('running');
    const final = await session();
    expect(final.records.map((r) => r.status)).toEqual(['abandoned', 'abandoned']);
    expect(final.status).toBe('failed');

    // No event lost: the stream holds every event appended before the kill, with contiguous revisions.
    const stream = await db
      .knex('events')
      .where({ stream_id: `session-${sessionId}` })
      .orderBy('stream_revision')
      .pluck('stream_revision');
    expect(stream.map(Number)).toEqual(stream.map((_, i) => i));
    expect(Number((await db.knex('events').count({ n: '*' }))[0]!.n)).toBeGreaterThan(
      Number(eventsBefore[0]!.n),
    );

    await server.stop('SIGTERM');
    server = undefined;
    const store = new PostgresEventStore(db.pool);
    try {
      await expectRebuildMatchesLive({
        knex: db.knex,
        store,
        projections: [syncSessionsProjection, accountsProjection, instancesProjection],
      });
    } finally {
      await store.close();
    }
  });
});
