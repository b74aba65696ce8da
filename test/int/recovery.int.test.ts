// Issue 10 B11 and B12: the recovery pass decides from the session streams and the heartbeats.
// - At start-up, records whose owning process is gone (no heartbeat row, a stale one, a pid of this host
//   that is not running) are ended at once, not after their lease; a live process's records are left alone.
// - A store that stalls longer than the deadline (every connection of this process held by the fault
//   proxy) never makes the same, still-running process abandon its own records: its in-run retries happen.
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnex } from '../../src/adapters/db/knex.js';
import { createPgPool } from '../../src/adapters/db/pgPool.js';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { makeRunCapacityCollection } from '../../src/commands/sync/collectCapacity.js';
import { forgetSession, openSession, openSessions } from '../../src/commands/sync/openSessions.js';
import { ProcessSessions } from '../../src/commands/sync/processSessions.js';
import { abandonExpiredRecords } from '../../src/commands/sync/recovery.js';
import { executeSession, loadSession } from '../../src/commands/sync/sessionWriter.js';
import type { SessionCommand } from '../../src/domain/sessions/decider.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { createLogger } from '../../src/logger.js';
import { ProjectionDaemon } from '../../src/projections/daemon.js';
import { syncSessionsProjection } from '../../src/projections/syncSessions/projection.js';
import { onlyDatabases, openCapacityHarness, type CapacityHarness } from '../support/capacityHarness.js';
import { startFaultProxy, type FaultProxy } from '../support/faultProxy.js';
import { collectorServer, createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

const logger = createLogger({ level: 'silent' });
const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'recovery', now: new Date() };
const LEASE = 10 * 60_000;

describe('recovery at start-up: the records of processes that are gone end at once', () => {
  let db: TestDatabase;
  let me: ProcessSessions;
  beforeAll(async () => {
    db = await createTestDatabase();
    me = new ProcessSessions({ knex: db.knex, logger, heartbeatMs: 1000 });
    await me.start();
  });
  afterAll(async () => {
    await me?.stop();
    await db?.drop();
  });

  it('ends the records of owners without a live heartbeat, leaves a live owner and an unexpired lease alone', async () => {
    const raw = new PostgresEventStore(db.pool);
    const store = validatingEventStore(raw, createEventRegistry());
    const heartbeat = (id: string, host: string, pid: number, age: string) =>
      db.knex.raw(
        `INSERT INTO process_heartbeats (process_id, host, pid, beat_at) VALUES (?, ?, ?, now() - ?::interval)`,
        [id, host, pid, age],
      );
    // A pid of this host that is not running any more: a child that exited.
    const exitedPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const owners = {
      noRow: randomUUID(),
      live: randomUUID(),
      exited: randomUUID(),
      stale: randomUUID(),
      none: undefined,
    };
    await heartbeat(owners.live, 'elsewhere', 4242, '0 seconds');
    await heartbeat(owners.exited, me.host, exitedPid, '0 seconds');
    await heartbeat(owners.stale, 'elsewhere', 4243, '1 hour');

    const sessions: Record<keyof typeof owners, { sessionId: string; running: string; pending: string }> =
      {} as never;
    for (const [name, owner] of Object.entries(owners) as [keyof typeof owners, string | undefined][]) {
      const s = { sessionId: randomUUID(), running: randomUUID(), pending: randomUUID() };
      sessions[name] = s;
      await openSession(db.knex, s.sessionId);
      const o = owner ? { owner } : {};
      for (const command of [
        {
          type: 'StartSession',
          sessionId: s.sessionId,
          category: 'account',
          syncType: 'manual_batch',
          instances: [
            { instanceId: s.running, instanceName: 'running' },
            { instanceId: s.pending, instanceName: 'pending' },
          ],
          ...o,
        },
        {
          type: 'StartRecord',
          sessionId: s.sessionId,
          instanceId: s.running,
          now: new Date(),
          leaseMs: LEASE,
          ...o,
        },
      ] as SessionCommand[])
        await executeSession(store, command, ctx);
    }

    const ended = await abandonExpiredRecords(
      { knex: db.knex, store, logger, sessions: me },
      new Date(),
      LEASE,
    );
    expect(ended).toBe(6);
    const records = async (name: keyof typeof owners) => {
      const { state, history } = await loadSession(raw, sessions[name].sessionId);
      const reasons = history
        .filter((e) => e.type === 'InstanceSyncAbandoned')
        .map((e) => (e.data as { reason: string }).reason);
      return { status: state.status, reasons };
    };
    for (const gone of ['noRow', 'exited', 'stale'] as const)
      expect(await records(gone)).toEqual({
        status: 'failed',
        reasons: ['the process running it stopped', 'never started: the process running the session stopped'],
      });
    expect(await records('live')).toEqual({ status: 'running', reasons: [] });
    expect(await records('none')).toEqual({ status: 'running', reasons: [] });

    // Closed sessions leave the index; the rows of gone processes are deleted, the live one stays.
    const open = await db.knex('open_sessions').pluck('session_id');
    expect(open.sort()).toEqual([sessions.live.sessionId, sessions.none.sessionId].sort());
    const beating = await db.knex('process_heartbeats').pluck('process_id');
    expect(beating.sort()).toEqual([owners.live, me.id].sort());
    await raw.close();
  });

  it('a session reopened after its index row was read keeps its row', async () => {
    const sessionId = randomUUID();
    await openSession(db.knex, sessionId);
    const read = (await openSessions(db.knex)).find((r) => r.session_id === sessionId)!;
    await openSession(db.knex, sessionId); // a retry reopens it before the closer removes what it read
    await forgetSession(db.knex, read);
    expect((await openSessions(db.knex)).map((r) => r.session_id)).toContain(sessionId);
  });
});

const service = mysqlService();
const p = `wfv_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };

describe.skipIf(!service.url)(
  titled("a store stall never abandons a live process's own records", service),
  () => {
    let h: CapacityHarness;
    let root: mysql.Connection;
    let proxy: FaultProxy;
    let ids: Record<'r1' | 'r2' | 'r3', string>;
    let gate: Promise<void> = Promise.resolve();

    beforeAll(async () => {
      root = await mysql.createConnection({ uri: service.url!, multipleStatements: true });
      await createCollector(root, collector.user, collector.password);
      await root.query(`CREATE DATABASE \`${p}_a\`; CREATE TABLE \`${p}_a\`.t (id INT PRIMARY KEY)`);
      h = await openCapacityHarness((real) => {
        const seen = onlyDatabases(real, p);
        return {
          ...seen,
          listDatabases: async () => {
            await gate;
            return seen.listDatabases();
          },
        };
      });
      ids = await h.register(collectorServer(service.url!, collector), ['r1', 'r2', 'r3']);
      const pg = new URL(h.db.url);
      proxy = await startFaultProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    });
    afterAll(async () => {
      await proxy?.close();
      await h?.close();
      if (!root) return;
      await dropCollector(root, collector.user);
      await root.query(`DROP DATABASE IF EXISTS \`${p}_a\``);
      await root.end();
    });

    it('the stalled records are retried within the run, and the pass during and after the stall ends none', async () => {
      // This process reaches its store (events, heartbeats, open_sessions) only through the proxy.
      const proxied = new URL(h.db.url);
      proxied.hostname = proxy.host;
      proxied.port = String(proxy.port);
      const knex = createKnex(proxied.toString(), { max: 5 });
      const pool = createPgPool(proxied.toString(), { max: 10 });
      const raw = new PostgresEventStore(pool);
      const store = validatingEventStore(raw, createEventRegistry());
      const sessions = new ProcessSessions({ knex, logger, heartbeatMs: 200 });
      // The read tables follow the log (directly): the old recovery pass read them.
      const projections = new ProjectionDaemon({
        projections: [syncSessionsProjection],
        store: h.raw,
        knex: h.db.knex,
        logger,
      });
      projections.start();
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      const deadlineMs = 1000;
      const recovery = () =>
        abandonExpiredRecords({ knex, store, logger, sessions }, new Date(), deadlineMs * 2);
      try {
        const started = await makeRunCapacityCollection({ ...h.deps, knex, pool, store, sessions }, 'UTC', {
          attempts: 3,
          backoffMs: 300,
        })({ instanceIds: Object.values(ids) }, 'manual_batch', ctx, { deadlineMs });
        const states = async () =>
          [...(await loadSession(h.raw, started.sessionId)).state.records.values()].map((r) => r.status);
        await expect.poll(states, { timeout: 10_000 }).toEqual(['running', 'running', 'running']);

        // The store stops answering while every attempt is about to append its inventory: the deadline and
        // the lease (2 s) pass during the stall.
        proxy.pause();
        open();
        const during = recovery();
        await new Promise((r) => setTimeout(r, 3000));
        proxy.resume();
        const after = recovery();
        expect(await during).toBe(0);
        expect(await after).toBe(0);

        await started.done;
        const { state, history } = await loadSession(h.raw, started.sessionId);
        const types = history.map((e) => e.type);
        expect(types).not.toContain('InstanceSyncAbandoned');
        expect(types).toContain('InstanceAttemptFailed');
        expect(types).toContain('InstanceSyncRetried');
        expect([...state.records.values()].map((r) => r.status)).toEqual([
          'completed',
          'completed',
          'completed',
        ]);
        expect(state.status).toBe('completed');
      } finally {
        proxy.resume();
        await projections.stop();
        await sessions.stop();
        await raw.close();
        await knex.destroy();
        await pool.end();
      }
    });
  },
);
