// Records shared between two processes through pg-boss, on the local MariaDB: a capacity session started by
// process A sends its 12 records to the records queue; A and B each work it (concurrency 2) and each runs
// some of them (their InstanceSyncStarted name the process), every record completes once, and A closes the
// session. With a global cap of 1 for capacity, no two records run at once across both processes.
// (A process killed mid-run: test/e2e/sharedRecords.e2e.test.ts, with real processes.)
import { randomBytes } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBoss } from '../../src/adapters/queue/pgBoss.js';
import { capacityWork, makeRunCapacityCollection } from '../../src/commands/sync/collectCapacity.js';
import { ProcessSessions } from '../../src/commands/sync/processSessions.js';
import { ensureRecordsQueue, recordDispatch, workRecords } from '../../src/commands/sync/recordDispatch.js';
import { engineSessionWork, type SessionRunDeps } from '../../src/commands/sync/runSession.js';
import { loadSession } from '../../src/commands/sync/sessionWriter.js';
import { sleep } from '../../src/commands/sync/timing.js';
import { createLogger } from '../../src/logger.js';
import { onlyDatabases, openCapacityHarness, type CapacityHarness } from '../support/capacityHarness.js';
import { collectorServer, createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';
import mysql from 'mysql2/promise';

const service = mysqlService();
const p = `wfr_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const ctx = () => ({
  actor: { kind: 'scheduler' as const, id: 'scheduler' },
  correlationId: 'c',
  now: new Date(),
});
const logger = createLogger({ level: 'silent' });
const names = Array.from({ length: 12 }, (_, n) => `r${n}`);

describe.skipIf(!service.url)(titled('records shared between processes', service), () => {
  let h: CapacityHarness;
  let root: mysql.Connection;
  let ids: string[];
  const slowMs = 300;
  const bosses: PgBoss[] = [];
  const processes: ProcessSessions[] = [];

  /** A process: its pg-boss, heartbeat and session deps; `work`: it takes records from the queue. */
  const open = async (caps?: { capacity: number }) => {
    const boss = await openBoss({
      connectionString: h.db.url,
      schema: 'pgboss',
      schedule: false,
      supervise: false,
      logger,
    });
    bosses.push(boss);
    const sessions = new ProcessSessions({ knex: h.db.knex, logger, heartbeatMs: 200 });
    processes.push(sessions);
    await sessions.start();
    const base: SessionRunDeps = {
      ...h.deps,
      sessions,
      // Each collection answers slowly, as a remote server would: the records spread over both processes.
      adapterFor: (instance, params) => {
        const real = h.deps.adapterFor!(instance, params);
        return {
          ...real,
          dbType: real.dbType,
          close: () => real.close(),
          databaseSizes: async () => (await sleep(slowMs), real.databaseSizes()),
        };
      },
    };
    const works = { capacity: engineSessionWork(base, capacityWork('UTC')) };
    await ensureRecordsQueue(boss, 30_000);
    await workRecords(boss, base, works, { concurrency: 2, ...(caps ? { caps } : {}) });
    return { boss, sessions, deps: { ...base, dispatch: recordDispatch(boss, works, logger) } };
  };

  /** Stops every process opened so far (a test that needs other options opens its own). */
  const stopAll = async () => {
    for (const b of bosses.splice(0)) await b.stop({ graceful: false, wait: true }).catch(() => undefined);
    for (const s of processes.splice(0)) await s.stop().catch(() => undefined);
  };

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url!, multipleStatements: true });
    await createCollector(root, collector.user, collector.password);
    await root.query(`CREATE DATABASE \`${p}_db\``);
    h = await openCapacityHarness((real) => onlyDatabases(real, p));
    const registered = await h.register(collectorServer(service.url!, collector), names);
    ids = names.map((n) => registered[n]!);
  });
  afterAll(async () => {
    await stopAll();
    await h?.close();
    if (root) {
      await dropCollector(root, collector.user);
      await root.query(`DROP DATABASE IF EXISTS \`${p}_db\``);
      await root.end();
    }
  });

  it('shares one session between two processes; each record runs once; the starter closes it', async () => {
    const a = await open();
    const b = await open();
    const started = await makeRunCapacityCollection(a.deps, 'UTC')(
      { instanceIds: ids },
      'scheduled_task',
      ctx(),
      {
        deadlineMs: 30_000,
      },
    );
    await started.done;
    const { state, history } = await loadSession(h.raw, started.sessionId);
    expect(state.status).toBe('completed');
    expect([...state.records.values()].every((r) => r.status === 'completed' && r.attempts === 1)).toBe(true);
    const owners = history
      .filter((e) => e.type === 'InstanceSyncStarted')
      .map((e) => (e.data as { owner?: string }).owner);
    expect(owners).toHaveLength(12);
    expect(new Set(owners)).toEqual(new Set([a.sessions.id, b.sessions.id]));
    expect(await h.db.knex('open_sessions').where({ session_id: started.sessionId })).toEqual([]);
  }, 60_000);

  it('holds the global cap of a category across both processes', async () => {
    await stopAll();
    const a = await open({ capacity: 1 });
    await open({ capacity: 1 });
    const started = await makeRunCapacityCollection(a.deps, 'UTC')(
      { instanceIds: ids.slice(0, 6) },
      'scheduled_task',
      ctx(),
      { deadlineMs: 30_000 },
    );
    await started.done;
    const { state, history } = await loadSession(h.raw, started.sessionId);
    expect(state.status).toBe('completed');
    // Each record runs from its InstanceSyncStarted to its end event; with a cap of 1 they never overlap.
    const at = (e: (typeof history)[number]) => Date.parse(e.metadata.occurredAt);
    const spans = ids.slice(0, 6).map((id) => {
      const own = history.filter((e) => (e.data as { instanceId?: string }).instanceId === id);
      const start = own.find((e) => e.type === 'InstanceSyncStarted')!;
      const end = own.find((e) => e.type === 'InstanceSyncCompleted')!;
      return [at(start), at(end)] as const;
    });
    spans.sort((x, y) => x[0] - y[0]);
    for (let n = 1; n < spans.length; n++) expect(spans[n]![0]).toBeGreaterThanOrEqual(spans[n - 1]![1]);
  }, 60_000);
});
