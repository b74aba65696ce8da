// Capacity collection against the local MariaDB: one StatsSaved with every database and the instance total
// (defect 4), sizes that grow when data is added, an instance without databases skipped apart (defect 5),
// and a failed attempt retried with backoff within the run, each attempt an event (defect 3), the record
// waiting in `retrying` while the session stays running.
// "defect N": docs/defects.md.
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunCapacityCollection } from '../../src/commands/sync/collectCapacity.js';
import { loadSession } from '../../src/commands/sync/sessionWriter.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { syncSessionsProjection } from '../../src/projections/syncSessions/projection.js';
import { getSession } from '../../src/projections/syncSessions/queries.js';
import { onlyDatabases, openCapacityHarness, type CapacityHarness } from '../support/capacityHarness.js';
import { collectorServer, createCollector, dropCollector } from '../support/mariadbCollector.js';
import { mysqlService, titled } from '../support/services.js';

const service = mysqlService();
const p = `wfc_${randomBytes(3).toString('hex')}`;
const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };

describe.skipIf(!service.url)(titled('capacity collection against MariaDB', service), () => {
  let h: CapacityHarness;
  let root: mysql.Connection;
  let ids: Record<'ours' | 'empty', string>;
  let failSizesOnce = false;

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: service.url!, multipleStatements: true });
    await createCollector(root, collector.user, collector.password);
    for (const name of ['a', 'b']) {
      await root.query(
        `CREATE DATABASE \`${p}_${name}\`; CREATE TABLE \`${p}_${name}\`.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(200))`,
      );
    }
    h = await openCapacityHarness((real, row) => {
      const seen = onlyDatabases(real, row.id === ids.ours ? p : 'no-such-prefix');
      return {
        ...seen,
        databaseSizes: async () => {
          if (failSizesOnce) {
            failSizesOnce = false;
            throw new Error('a transient failure');
          }
          return real.databaseSizes();
        },
      };
    });
    ids = await h.register(collectorServer(service.url!, collector), ['ours', 'empty']);
  });
  afterAll(async () => {
    await h?.close();
    if (!root) return;
    await dropCollector(root, collector.user);
    for (const name of ['a', 'b']) await root.query(`DROP DATABASE IF EXISTS \`${p}_${name}\``);
    await root.end();
  });

  it('saves every database and the instance total in one StatsSaved; sizes grow when data is added', async () => {
    const first = await h.collect([ids.ours]);
    expect(first.state.status).toBe('completed');
    const [data] = await h.statsOf(ids.ours);
    expect(data!.databases.map((d) => d.databaseName)).toEqual([`${p}_a`, `${p}_b`]);
    expect(data!.databaseCount).toBe(2);
    expect(data!.totalSizeMb).toBeCloseTo(
      data!.databases.reduce((s, d) => s + d.sizeMb, 0),
      3,
    );

    await root.query(`INSERT INTO \`${p}_a\`.t (v) SELECT REPEAT('x', 200) FROM seq_1_to_20000`);
    await root.query(`ANALYZE TABLE \`${p}_a\`.t`);
    await h.collect([ids.ours]);
    const after = (await h.statsOf(ids.ours)).at(-1)!;
    const sizeOf = (rows: { databaseName: string; sizeMb: number }[]) =>
      rows.find((d) => d.databaseName === `${p}_a`)!.sizeMb;
    expect(sizeOf(after.databases)).toBeGreaterThan(sizeOf(data!.databases) + 3); // 20,000 x 200 bytes = 3.8 MB raw
  });

  it('an instance with no active database is skipped with its reason, counted apart (defect 5)', async () => {
    const session = await h.collect([ids.ours, ids.empty]);
    expect(session.state.records.get(ids.empty)?.status).toBe('skipped');
    expect(session.state.status).toBe('completed');
    const skipped = session.history.find((e) => e.type === 'InstanceSyncSkipped');
    expect(skipped?.data).toMatchObject({ reason: 'no active databases' });
    const completed = session.history.find((e) => e.type === 'SessionCompleted');
    expect(completed?.data).toMatchObject({ counts: { total: 2, completed: 1, skipped: 1, failed: 0 } });
  });

  it('a failed instance is retried with backoff within the run, each attempt an event (defect 3)', async () => {
    failSizesOnce = true;
    const session = await h.collect([ids.ours]);
    const types = session.history.map((e) => e.type);
    // The record waits in `retrying` during the backoff: the session closes once, at the end.
    expect(types).toEqual([
      'SessionStarted',
      'InstanceSyncStarted',
      'InstanceAttemptFailed',
      'InstanceSyncRetried',
      'InstanceSyncStarted',
      'InstanceSyncCompleted',
      'SessionCompleted',
    ]);
    expect(session.state.status).toBe('completed');
    expect(session.history.find((e) => e.type === 'InstanceAttemptFailed')?.data).toMatchObject({
      attempt: 1,
      phase: 'sizes',
      messageCode: 'TASK_EXECUTION_FAILED',
      message: 'a transient failure',
    });
  });

  it('during the backoff the session is running and the record retrying, in the decider and the read tables', async () => {
    failSizesOnce = true;
    const run = makeRunCapacityCollection(h.deps, 'UTC');
    const started = await run({ instanceIds: [ids.ours] }, 'manual_batch', ctx, { backoffMs: 3000 });
    const runner = new ProjectionRunner({
      projection: syncSessionsProjection,
      store: h.raw,
      knex: h.db.knex,
      logger: h.deps.logger,
    });
    const projected = async () => {
      await runner.catchUp();
      const s = await getSession(h.db.knex, started.sessionId);
      return { session: s?.status, record: s?.records[0]?.status, error: s?.records[0]?.error_message };
    };
    // What a client polling GET /sync-sessions/{id} sees while the run waits to retry.
    await expect
      .poll(projected, { timeout: 10_000, interval: 50 })
      .toEqual({ session: 'running', record: 'retrying', error: 'a transient failure' });
    const during = await loadSession(h.raw, started.sessionId);
    expect(during.state.status).toBe('running');
    expect(during.state.records.get(ids.ours)?.status).toBe('retrying');
    const failed = during.history.find((e) => e.type === 'InstanceAttemptFailed')!.data as {
      retryAt: string;
      leaseExpiresAt: string;
    };
    // The lease covers the backoff and the next attempt: recovery leaves the record alone meanwhile.
    expect(Date.parse(failed.leaseExpiresAt)).toBeGreaterThan(Date.parse(failed.retryAt));

    await started.done;
    const after = await loadSession(h.raw, started.sessionId);
    expect(after.state.status).toBe('completed');
    expect(after.history.filter((e) => e.type === 'SessionCompleted')).toHaveLength(1);
    // The read tables follow once the runner sees the last events (another file's open transaction may
    // hold them back a moment: visibility is cluster-wide).
    await expect
      .poll(projected, { timeout: 10_000, interval: 50 })
      .toMatchObject({ session: 'completed', record: 'completed' });
  });
});
